import ArgumentParser
import Descent

@main
struct DescentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "descent",
        abstract: "Deep-learning training toolkit: train, benchmark and inspect models.",
        subcommands: [
            TrainCommand.self, SearchCommand.self, LRFindCommand.self, EvaluateCommand.self, PredictCommand.self,
            AugmentCommand.self, SummaryCommand.self, BenchCommand.self, LabCommand.self, CompareWeightsCommand.self,
            MPICheckCommand.self, GANCommand.self,
        ]
    )
}
