import Foundation
import Testing

@testable import DescentData

@Suite struct TarArchiveTests {
    /// A ustar header block for a regular file (`type` "0") or other entry.
    static func header(_ name: String, size: Int, type: UInt8 = UInt8(ascii: "0"), prefix: String = "") -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ s: String, at o: Int) { for (i, b) in s.utf8.enumerated() { h[o + i] = b } }
        put(name, at: 0)
        put("0000644", at: 100)
        put(String(size, radix: 8).leftPadded(11), at: 124)
        h[156] = type
        put("ustar", at: 257)
        put("00", at: 263)
        put(prefix, at: 345)
        for i in 148..<156 { h[i] = 32 }
        let sum = h.reduce(0) { $0 + Int($1) }
        put(String(sum, radix: 8).leftPadded(6), at: 148)
        h[154] = 0
        return h
    }

    /// A tar archive of `(name, contents)` regular files.
    static func archive(_ files: [(String, [UInt8])], prefix: String = "") -> Data {
        var out = [UInt8]()
        for (name, body) in files {
            out += header(name, size: body.count, prefix: prefix) + body
            out += [UInt8](repeating: 0, count: (512 - body.count % 512) % 512)
        }
        out += [UInt8](repeating: 0, count: 1024)
        return Data(out)
    }

    @Test func readsRegularFilesAndPrefixes() throws {
        let tar = try TarArchive(
            data: Self.archive([("a.txt", Array("hello".utf8)), ("dir/b.bin", [UInt8](repeating: 7, count: 600))]),
            path: "t.tar")
        #expect(Set(tar.entries.keys) == ["a.txt", "dir/b.bin"])
        #expect(tar.contents(of: "a.txt") == Data("hello".utf8))
        #expect(tar.contents(of: "dir/b.bin") == Data(repeating: 7, count: 600))
        #expect(tar.contents(of: "missing") == nil)
        let prefixed = try TarArchive(
            data: Self.archive([("c.bin", [1])], prefix: "cifar-10-batches-bin"), path: "p.tar")
        #expect(prefixed.contents(of: "cifar-10-batches-bin/c.bin") == Data([1]))
    }

    @Test func readsGzippedArchivesFromDisk() throws {
        let dir = try DataTestFiles.temporaryDirectory()
        let url = try DataTestFiles.write(Gzip.compress(Self.archive([("x", [1, 2, 3])])), "x.tar.gz", in: dir)
        #expect(try TarArchive(contentsOf: url).contents(of: "x") == Data([1, 2, 3]))
    }

    @Test func badChecksumIsAnError() {
        var bytes = [UInt8](Self.archive([("a", [1])]))
        bytes[0] = UInt8(ascii: "b")
        let e = DataTestFiles.descentError { _ = try TarArchive(data: Data(bytes), path: "bad.tar") }
        #expect(e?.location == "bad.tar")
        #expect(e?.reason.contains("bad checksum") == true)
    }

    @Test func truncatedEntryIsAnError() {
        let bytes = Self.archive([("big", [UInt8](repeating: 1, count: 2000))]).prefix(1024)
        let e = DataTestFiles.descentError { _ = try TarArchive(data: bytes, path: "cut.tar") }
        #expect(e?.reason.contains("truncated tar archive: entry \"big\" declares 2000 bytes") == true)
    }

    @Test func tooShortIsAnError() {
        #expect(
            DataTestFiles.descentError { _ = try TarArchive(data: Data([1, 2, 3]), path: "s.tar") }?.reason.contains(
                "not a tar archive") == true)
    }
}

extension String {
    /// The string padded on the left with zeros to `width` characters.
    fileprivate func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: Swift.max(0, width - count)) + self
    }
}
