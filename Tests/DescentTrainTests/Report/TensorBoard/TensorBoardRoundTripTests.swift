import Descent
import Foundation
import Testing

@testable import DescentTrain

/// `TensorBoardWriter` → `TensorBoardReader`: the file name, the first record, every scalar and the HParams
/// summaries read back exactly; buffering and closing.
@Suite struct TensorBoardRoundTripTests {
    @Test func writtenRunReadsBackExactly() throws {
        let directory = TensorBoardTestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = try TensorBoardTestFiles.writeRun(in: directory)
        #expect(url.deletingLastPathComponent().standardizedFileURL.path == directory.standardizedFileURL.path)
        #expect(url.lastPathComponent.hasPrefix("events.out.tfevents.1700000000."))
        let events = try TensorBoardReader.events(in: url)
        let scalars = TensorBoardTestFiles.scalars
        #expect(events.count == 1 + scalars.count + 3 + 2)
        #expect(events[0] == TensorBoardEvent(wallTime: 1_700_000_000, step: 0, fileVersion: "brain.Event:2"))
        for (i, (tag, value, step, time)) in scalars.enumerated() {
            let expected = TensorBoardEvent(wallTime: time, step: step, scalars: [tag: Double(Float(value))])
            #expect(events[1 + i] == expected)
        }
        let time = TensorBoardTestFiles.hparamsTime
        let hparams = Array(events[(1 + scalars.count)...])
        #expect(
            hparams == [
                TensorBoardEvent(
                    wallTime: time, step: 0,
                    hparams: [
                        .experiment(
                            hparams: ["augment", "batch_size", "lr", "optimizer"],
                            metrics: ["hparam/accuracy", "hparam/loss"])
                    ]),
                TensorBoardEvent(
                    wallTime: time, step: 0,
                    hparams: [
                        .sessionStart(hparams: [
                            "augment": .bool(true), "batch_size": .number(64), "lr": .number(0.01),
                            "optimizer": .string("sgd"),
                        ])
                    ]),
                TensorBoardEvent(wallTime: time, step: 0, hparams: [.sessionEnd(status: 1)]),
                TensorBoardEvent(wallTime: time, step: 0, scalars: ["hparam/accuracy": 0.875]),
                TensorBoardEvent(wallTime: time, step: 0, scalars: ["hparam/loss": 0.25]),
            ])
    }

    @Test func failedTrialDeclaresEveryMetricTagAndEndsWithItsStatus() throws {
        let directory = TensorBoardTestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try TensorBoardWriter(directory: directory, wallTime: Date(timeIntervalSince1970: 1_700_000_000))
        try writer.addHParams(
            ["lr": .number(10)], metrics: [:], metricTags: ["m/loss", "m/accuracy"], status: .failure)
        try writer.close()
        let summaries = try TensorBoardReader.events(in: writer.url).flatMap(\.hparams)
        #expect(
            summaries == [
                .experiment(hparams: ["lr"], metrics: ["m/accuracy", "m/loss"]),
                .sessionStart(hparams: ["lr": .number(10)]), .sessionEnd(status: 2),
            ])
        #expect(try TensorBoardReader.events(in: writer.url).allSatisfy { $0.scalars.isEmpty })
        #expect(TensorBoardHParamsStatus.allCases.map(\.rawValue) == [0, 1, 2, 3])
        #expect(
            HParamsPluginData.sessionEnd(status: TensorBoardHParamsStatus.failure.rawValue) == [0x22, 0x02, 0x08, 0x02])
    }

    @Test func specialValuesStepsAndTagsReadBack() throws {
        let directory = TensorBoardTestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try TensorBoardWriter(directory: directory)
        let cases: [(String, Double, Int)] = [
            ("inf", .infinity, -1), ("-inf", -.infinity, Int.min), ("zero", -0.0, Int.max), ("tiny", 1e-45, 0),
            ("précision/âge λ", 1e39, 7), ("", 3, 8),
        ]
        for (tag, value, step) in cases {
            try writer.addScalar(tag, value, step: step, wallTime: Date(timeIntervalSince1970: 9))
        }
        try writer.addScalar("nan", .nan, step: 9)
        try writer.close()
        let events = try TensorBoardReader.events(in: writer.url)
        try #require(events.count == 1 + cases.count + 1)
        for (i, (tag, value, step)) in cases.enumerated() {
            let expected = Double(Float(value))
            let read = try #require(events[1 + i].scalars[tag])
            #expect(read == expected && read.sign == expected.sign, "\(tag)")
            #expect(events[1 + i].step == step && events[1 + i].wallTime == 9)
        }
        #expect(events[3].scalars["zero"]?.sign == .minus)
        #expect(events[4].scalars["tiny"] == Double(Float.leastNonzeroMagnitude))
        #expect(events[5].scalars["précision/âge λ"] == .infinity)
        #expect(events[7].scalars["nan"]?.isNaN == true)
    }

    @Test func firstRecordIsTheExactFileVersionEvent() throws {
        let directory = TensorBoardTestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try TensorBoardWriter(
            directory: directory, filenameSuffix: "trial-3",
            wallTime: Date(timeIntervalSince1970: 1.5))
        try writer.close()
        #expect(writer.url.lastPathComponent.hasPrefix("events.out.tfevents.1."))
        #expect(writer.url.lastPathComponent.hasSuffix(".trial-3"))
        let bytes = [UInt8](try Data(contentsOf: writer.url))
        let event: [UInt8] = [0x09, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F, 0x1A, 13] + Array("brain.Event:2".utf8)
        #expect(bytes == TFRecord.frame(event))
        #expect(bytes.count == 12 + 24 + 4)
    }

    @Test func recordsAreBufferedUntilFlushOrTheRecordLimit() throws {
        let directory = TensorBoardTestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try TensorBoardWriter(directory: directory, flushRecords: 3)
        let size = { try TensorBoardReader.events(in: writer.url).count }
        #expect(try size() == 1)
        try writer.addScalar("a", 1, step: 1)
        try writer.addScalar("a", 2, step: 2)
        #expect(try size() == 1)
        try writer.addScalar("a", 3, step: 3)
        #expect(try size() == 4)
        try writer.addScalar("a", 4, step: 4)
        try writer.flush()
        #expect(try size() == 5)
        try writer.addScalar("a", 5, step: 5)
        try writer.close()
        try writer.close()
        #expect(try TensorBoardReader.events(in: writer.url).map(\.step) == [0, 1, 2, 3, 4, 5])
        #expect(throws: DescentError(.file, writer.url.path, "the event file is already closed")) {
            try writer.addScalar("a", 6, step: 6)
        }
    }

    @Test func unwritableFolderIsAClearError() throws {
        let directory = TensorBoardTestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("runs")
        try Data("not a folder".utf8).write(to: file)
        #expect(throws: DescentError.self) { try TensorBoardWriter(directory: file) }
        #expect(throws: DescentError(.file, directory.path, "the event file suffix \"a/b\" contains a /")) {
            try TensorBoardWriter(directory: directory, filenameSuffix: "a/b")
        }
    }

    /// Writes the run that `scripts/check-tensorboard.py` reads with TensorBoard's own reader into
    /// `$DESCENT_TENSORBOARD_OUT` when set (and keeps it there), else into a temporary folder.
    @Test func descentWrittenRunForTensorBoard() throws {
        let target = ProcessInfo.processInfo.environment["DESCENT_TENSORBOARD_OUT"]
        let directory = target.map { URL(fileURLWithPath: $0) } ?? TensorBoardTestFiles.temporaryDirectory()
        defer { if target == nil { try? FileManager.default.removeItem(at: directory) } }
        let url = try TensorBoardTestFiles.writeRun(in: directory)
        #expect(try TensorBoardReader.events(in: url).count == 16)
    }
}
