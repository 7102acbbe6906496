import Foundation
import Testing

@testable import DescentTrain

/// The event file TensorBoard's own writer wrote through `torch.utils.tensorboard.SummaryWriter`
/// (`Tests/Fixtures/generate_tensorboard.py`), read with `TensorBoardReader`: every tag, step and value.
@Suite struct TensorBoardFixtureTests {
    @Test func torchWrittenFileReadsExactly() throws {
        let events = try TensorBoardReader.events(in: TensorBoardTestFiles.torchWritten)
        try #require(events.count == 11)
        #expect(events[0].fileVersion == "brain.Event:2")
        #expect(events[0].step == 0 && events[0].scalars.isEmpty && events[0].hparams.isEmpty)
        #expect(events[0].wallTime > 1_700_000_000)
        let time = 1_700_000_004.0
        #expect(
            Array(events[1...]) == [
                TensorBoardEvent(wallTime: 1_700_000_000, step: 0, scalars: ["loss/train": 2.5]),
                TensorBoardEvent(wallTime: 1_700_000_001.5, step: 1, scalars: ["loss/train": 1.25]),
                TensorBoardEvent(wallTime: 1_700_000_001.5, step: 1, scalars: ["accuracy/train": 0.75]),
                TensorBoardEvent(wallTime: 1_700_000_001.5, step: 1, scalars: ["learning_rate": Double(Float(0.001))]),
                TensorBoardEvent(wallTime: 1_700_000_002, step: 100, scalars: ["loss/train": -0.0625]),
                TensorBoardEvent(wallTime: 1_700_000_003, step: 2, scalars: ["loss/validation": 0.5]),
                TensorBoardEvent(
                    wallTime: time, step: 0,
                    hparams: [
                        .experiment(
                            hparams: ["lr", "batch_size", "optimizer"], metrics: ["hparam/accuracy"])
                    ]),
                TensorBoardEvent(
                    wallTime: time, step: 0,
                    hparams: [
                        .sessionStart(hparams: [
                            "lr": .number(0.01), "batch_size": .number(32), "optimizer": .string("adam"),
                        ])
                    ]),
                TensorBoardEvent(wallTime: time, step: 0, hparams: [.sessionEnd(status: 1)]),
                TensorBoardEvent(wallTime: time, step: 0, scalars: ["hparam/accuracy": 0.875]),
            ])
    }

    /// Descent encodes the HParams contents byte for byte as torch does (for torch's one-entry-map order).
    @Test func hparamsContentsMatchTorchByteForByte() throws {
        let experiment: [UInt8] =
            [0x12, 0x3C, 0x22, 0x06, 0x0A, 0x02] + Array("lr".utf8) + [
                0x20, 0x03, 0x22, 0x0E,
                0x0A, 0x0A,
            ] + Array("batch_size".utf8) + [0x20, 0x03, 0x22, 0x0D, 0x0A, 0x09] + Array("optimizer".utf8)
            + [0x20, 0x01, 0x2A, 0x13, 0x0A, 0x11, 0x12, 0x0F] + Array("hparam/accuracy".utf8)
        let values: [(String, HParamValue)] = [("lr", 0.01), ("batch_size", 32), ("optimizer", "adam")]
        #expect(HParamsPluginData.experiment(hparams: values, metrics: ["hparam/accuracy"]) == experiment)
        #expect(HParamsPluginData.sessionEnd(status: 1) == [0x22, 0x02, 0x08, 0x01])
    }
}
