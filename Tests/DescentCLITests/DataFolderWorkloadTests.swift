import DescentData
import Foundation
import Testing

@testable import DescentCLI

/// `descent bench --workloads data-folder` on a given folder: both kinds read, counted and timed.
@Suite struct DataFolderWorkloadTests {
    @Test func readsTheJPEGAndPNGFolders() throws {
        let folder = TemporaryFolder.make("data-folder")
        for (kind, side) in [("jpeg", 224), ("png", 32)] {
            for i in 0..<6 {
                let dir = folder.appendingPathComponent("\(kind)/c\(i % 2)")
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                let pixels = (0..<(side * side * 3)).map { UInt8(($0 / 3 + i) % 256) }
                let bytes =
                    kind == "jpeg"
                    ? JPEGEncoder.encode(width: side, height: side, channels: 3, pixels: pixels)
                    : PNGEncoder.encode(width: side, height: side, channels: 3, pixels: pixels)
                try bytes.write(to: dir.appendingPathComponent("\(i).\(kind == "jpeg" ? "jpg" : "png")"))
            }
        }
        let result = try DataFolderWorkload.run(folder: folder.path, workers: 2, batch: 4)
        let fields = Dictionary(uniqueKeysWithValues: result.fields.map { ($0.0, "\($0.1)") })
        #expect(result.workload == "data-folder")
        #expect(fields["jpeg_images"] == "6" && fields["png_images"] == "6")
        #expect(
            (Double(fields["jpeg_images_per_s"] ?? "") ?? 0) > 0 && (Double(fields["png_images_per_s"] ?? "") ?? 0) > 0)
        #expect(
            CommandOutcome.of(["bench", "--workloads", "data-folder", "--workers=-1"])
                == .usage("--workers must not be negative, got -1"))
    }
}
