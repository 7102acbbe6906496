import Foundation
import Testing

@testable import Descent
@testable import DescentData

@Suite struct NPYArrayTests {
    /// Every file numpy wrote reads back with numpy's shape and values.
    @Test(arguments: [
        "f32_2x3.npy", "f64_4.npy", "u8_2x2x2.npy", "i64_5.npy", "i32_3.npy", "f32_big_endian.npy",
        "f32_scalar.npy", "f32_empty_0x3.npy", "f32_v2.npy", "f32_v3.npy",
    ])
    func readsWhatNumpyWrote(_ name: String) throws {
        let all = try DataTestFiles.expectations()["npy"] as! [String: [String: Any]]
        let expected = try #require(all[name])
        let a = try NPYArray(contentsOf: DataTestFiles.fixture(name))
        #expect(a.shape == expected["shape"] as! [Int])
        let values = expected["values"] as! [Double]
        // JSON text round-trips doubles only to about 1e-16 relative; floats exactly.
        #expect(a.floats() == values.map { Float($0) })
        #expect(zip(a.doubles(), values).allSatisfy { abs($0 - $1) <= 1e-15 * abs($1) })
        #expect(a.tensor().shape == a.shape)
    }

    @Test func dtypesAndIntegers() throws {
        #expect(try NPYArray(contentsOf: DataTestFiles.fixture("f32_2x3.npy")).dtype == .float32)
        #expect(try NPYArray(contentsOf: DataTestFiles.fixture("u8_2x2x2.npy")).dtype == .uint8)
        let i64 = try NPYArray(contentsOf: DataTestFiles.fixture("i64_5.npy"))
        #expect(i64.dtype == .int64)
        #expect(try i64.integers() == [-3, 0, 7, 1 << 40, -(1 << 33)])
        #expect(
            try NPYArray(contentsOf: DataTestFiles.fixture("i32_3.npy")).integers() == [
                -2_147_483_648, 5, 2_147_483_647,
            ])
        let e = DataTestFiles.descentError {
            _ = try NPYArray(contentsOf: DataTestFiles.fixture("f32_2x3.npy")).integers()
        }
        #expect(e?.reason == "element 0 is 1.5, not an integer")
    }

    @Test func encodedFilesRoundTrip() throws {
        let t = Tensor([1, -2.5, 3e-7, 4, 5, 6], shape: [3, 2])
        let data = NPYArray.encode(t)
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        #expect((10 + headerLength) % 64 == 0)  // data aligned as numpy writes it
        #expect(data.count == 10 + headerLength + 24)
        let a = try NPYArray(data: data, path: "mem.npy")
        #expect(a.shape == [3, 2])
        #expect(a.tensor().isBitwiseEqual(t))
        #expect(try NPYArray(data: NPYArray.encode(Tensor([7])), path: "one.npy").shape == [1])
        #expect(try NPYArray(data: NPYArray.encode(Tensor(2)), path: "scalar.npy").shape == [])
    }

    @Test func fortranOrderIsAnError() throws {
        let url = try DataTestFiles.fixture("f32_fortran.npy")
        let e = DataTestFiles.descentError { _ = try NPYArray(contentsOf: url) }
        #expect(e?.location == url.path)
        #expect(e?.reason.contains("Fortran (column-major) order, which is not supported") == true)
    }

    @Test func unsupportedDtypeIsAnError() throws {
        let e = DataTestFiles.descentError { _ = try NPYArray(contentsOf: DataTestFiles.fixture("complex.npy")) }
        #expect(e?.reason.contains("unsupported NPY dtype '<c8'") == true)
    }

    /// The bytes of an NPY v1 file with `header` (padded) and `payload`.
    static func npy(_ header: String, _ payload: [UInt8], major: UInt8 = 1) -> Data {
        var d = Data([0x93] + Array("NUMPY".utf8) + [major, 0])
        let h = Array(header.utf8)
        d.append(contentsOf: [UInt8(h.count & 0xFF), UInt8(h.count >> 8)])
        d.append(contentsOf: h)
        d.append(contentsOf: payload)
        return d
    }

    @Test func badMagicIsAnError() {
        let e = DataTestFiles.descentError { _ = try NPYArray(data: Data("PK\u{3}\u{4}xxxxxxxx".utf8), path: "x.npz") }
        #expect(e?.location == "x.npz")
        #expect(e?.reason.contains("bad NPY magic string") == true)
    }

    @Test func unknownVersionIsAnError() {
        let e = DataTestFiles.descentError { _ = try NPYArray(data: Self.npy("{}", [], major: 4), path: "v.npy") }
        #expect(e?.reason == "unsupported NPY format version 4.0 (supported: 1.0, 2.0, 3.0)")
    }

    @Test func truncatedHeaderIsAnError() {
        var d = Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", [])
        d = d.prefix(30)
        #expect(
            DataTestFiles.descentError { _ = try NPYArray(data: d, path: "h.npy") }?.reason.contains(
                "truncated: the NPY header") == true)
    }

    @Test func dataShorterThanTheShapeIsAnError() {
        let d = Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", [0, 0, 0, 0])
        let e = DataTestFiles.descentError { _ = try NPYArray(data: d, path: "s.npy") }
        #expect(
            e?.reason
                == "NPY header declares shape [2, 2] of float32 (16 bytes of data), but the file has 4 bytes after the header"
        )
    }

    @Test func malformedHeadersAreErrors() {
        let cases: [(String, String)] = [
            ("{'descr': '<f4', 'fortran_order': False}", "no 'shape' tuple"),
            ("{'fortran_order': False, 'shape': ()}", "no 'descr' string"),
            ("{'descr': '<f4', 'shape': ()}", "no 'fortran_order' boolean"),
            ("{'descr': '<f4', 'fortran_order': Maybe, 'shape': ()}", "malformed NPY header (unexpected value"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2 3)}", "malformed NPY header"),
            ("'descr': '<f4'", "malformed NPY header (expected '{'"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", "negative dimension"),
            ("{'descr': '<f4, 'fortran_order': False, 'shape': ()}", "malformed NPY header"),
        ]
        for (header, reason) in cases {
            let e = DataTestFiles.descentError {
                _ = try NPYArray(data: Self.npy(header, [0, 0, 0, 0]), path: "m.npy")
            }
            #expect(e?.reason.contains(reason) == true, "\(header): \(e?.reason ?? "no error")")
        }
    }
}
