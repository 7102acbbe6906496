import ArgumentParser
import Descent
import Foundation

@main
struct DescentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "descent",
        abstract: "Deep-learning training toolkit: train, benchmark and inspect models.",
        subcommands: [
            TrainCommand.self, SearchCommand.self, LRFindCommand.self, EvaluateCommand.self, PredictCommand.self,
            AugmentCommand.self, ImagesCommand.self, ShardCommand.self, SummaryCommand.self, ExportCommand.self,
            ImportCommand.self,
            BenchCommand.self,
            LabCommand.self,
            CompareWeightsCommand.self, MPICheckCommand.self, GANCommand.self,
            GenerateCommand.self, PlotCommand.self,
        ]
    )

    /// Runs the command line. A file-size limit (`ulimit -f`) then makes a write fail with `File too large`, an
    /// error naming the file (the file it would have replaced is untouched), instead of SIGXFSZ ending the process.
    static func main() {
        signal(SIGXFSZ, SIG_IGN)
        main(nil)
    }
}
