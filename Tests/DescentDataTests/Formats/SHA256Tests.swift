import Foundation
import Testing

@testable import DescentData

@Suite struct SHA256Tests {
    @Test func matchesPublishedTestVectors() {
        #expect(SHA256.hexDigest(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256.hexDigest(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256.hexDigest(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            SHA256.hexDigest(Data(repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func incrementalUpdatesEqualOneShot() {
        let bytes = Data((0..<768).map { UInt8($0 % 256) })
        #expect(SHA256.hexDigest(bytes) == "f3a25aa93aa2fbba28d79260535bbd6a5eb0fc1c24a8b0f04e12b484c1dfe363")
        for cut in [1, 55, 56, 63, 64, 65, 300] {
            var s = SHA256()
            s.update(bytes.prefix(cut))
            s.update(bytes.dropFirst(cut).prefix(7))
            s.update(bytes.dropFirst(cut + 7))
            #expect(
                s.hexFinalize() == "f3a25aa93aa2fbba28d79260535bbd6a5eb0fc1c24a8b0f04e12b484c1dfe363", "split at \(cut)"
            )
        }
    }

    @Test func hashesFilesAsStored() throws {
        let dir = try DataTestFiles.temporaryDirectory()
        let url = try DataTestFiles.write(Data("abc".utf8), "abc.txt", in: dir)
        #expect(
            try SHA256.hexDigest(ofFileAt: url) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            DataTestFiles.descentError { _ = try SHA256.hexDigest(ofFileAt: dir.appendingPathComponent("none")) } != nil
        )
    }
}
