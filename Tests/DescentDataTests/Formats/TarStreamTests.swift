import Foundation
import Testing

@testable import Descent
@testable import DescentData

/// `TarWriter` and `TarStream`: members written one by one read back from their headers alone; GNU tar and
/// `TarArchive` agree.
@Suite struct TarStreamTests {
    @Test func writtenMembersReadBack() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tar-\(UUID().uuidString).tar")
        defer { try? FileManager.default.removeItem(at: url) }
        let contents: [(String, Data)] = [
            ("a.cls", Data("3".utf8)), ("dir/b.bin", Data((0..<1500).map { UInt8($0 % 251) })), ("empty", Data()),
            (String(repeating: "n", count: 100), Data([1, 2, 3])),
        ]
        let tar = try TarWriter(creating: url)
        for (name, data) in contents { try tar.add(name, data) }
        try tar.finish()
        let members = try TarStream.members(of: url)
        #expect(members.map(\.name) == contents.map(\.0))
        for (m, (_, data)) in zip(members, contents) { #expect(try TarStream.read(m.range, from: url) == data) }
        #expect(try Data(contentsOf: url).count == 512 * (4 + 1 + 3 + 0 + 1) + 1024)
        // The in-memory reader agrees.
        let archive = try TarArchive(contentsOf: url)
        for (name, data) in contents { #expect(archive.contents(of: name) == data) }
    }

    @Test func gnuTarReadsWhatTarWriterWrites() throws {
        let tarTool = URL(fileURLWithPath: "/usr/bin/tar")
        try #require(FileManager.default.isExecutableFile(atPath: tarTool.path), "GNU tar (/usr/bin/tar) is needed")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tar-\(UUID().uuidString).tar")
        defer { try? FileManager.default.removeItem(at: url) }
        let tar = try TarWriter(creating: url)
        try tar.add("000001.jpg", Data(repeating: 7, count: 600))
        try tar.add("000001.cls", Data("2".utf8))
        try tar.finish()
        let process = Process()
        process.executableURL = tarTool
        process.arguments = ["-tvf", url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let listing = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let lines = listing.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        #expect(lines.map { String($0.last!) } == ["000001.jpg", "000001.cls"])
        #expect(lines.map { String($0[2]) } == ["600", "1"])
    }

    @Test func aFileTooShortForAHeaderIsNotATarArchive() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tar-\(UUID().uuidString).tar")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("hello".utf8).write(to: url)
        #expect(throws: DescentError(.file, url.path, "not a tar archive (5 bytes, shorter than one 512-byte header)"))
        {
            try TarStream.members(of: url)
        }
    }
}
