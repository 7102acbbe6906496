import Foundation
import Testing

@testable import Descent
@testable import DescentTrain

/// Search spaces: parsing of grid lists and distributions, the grid's product and order, seeded sampling, the
/// `search:` section, and bad spaces stopped before any trial with an error naming the key.
@Suite struct SearchSpaceTests {
    func space(grid: [String] = [], random: [String] = [], trials: Int? = nil) throws -> SearchSpace {
        var s = SearchSpace()
        for g in grid { try s.add(flag: g, grid: true) }
        for r in random { try s.add(flag: r, grid: false) }
        s.trials = trials
        return s
    }

    @Test func gridIsTheProductFirstKeyOutermost() throws {
        let s = try space(grid: ["optimizer.lr=0.1,0.01,0.001", "optimizer.name=sgd,adam"])
        let c = s.configurations(seed: 0)
        #expect(s.gridSize == 6 && c.count == 6)
        #expect(c[0] == ["optimizer.lr=0.1", "optimizer.name=sgd"])
        #expect(c[1] == ["optimizer.lr=0.1", "optimizer.name=adam"])
        #expect(c[5] == ["optimizer.lr=0.001", "optimizer.name=adam"])
        #expect(Set(c.map { $0.joined() }).count == 6)
    }

    @Test func listsKeepBracketedValuesWhole() throws {
        let p = try SearchParameter(key: "model.hidden", spec: "[64,32], [128]", grid: true)
        #expect(p.values == .grid(["[64,32]", "[128]"]))
    }

    @Test func sampledValuesStayInTheirRangesAndRepeatWithTheSeed() throws {
        let s = try space(
            grid: ["optimizer.name=sgd,adam"],
            random: [
                "optimizer.lr=loguniform:1e-4:1e-1", "optimizer.weight_decay=uniform:0:0.5",
                "data.batch_size=int:8:64", "model.name=choice:mlp,cnn",
            ], trials: 50)
        let c = s.configurations(seed: 7)
        #expect(c.count == 50 && Set(c.map { $0.joined(separator: " ") }).count == 50)
        for (i, t) in c.enumerated() {
            #expect(t[0] == (i % 2 == 0 ? "optimizer.name=sgd" : "optimizer.name=adam"))
            let lr = Double(t[1].dropFirst("optimizer.lr=".count))!
            let wd = Double(t[2].dropFirst("optimizer.weight_decay=".count))!
            let batch = Int(t[3].dropFirst("data.batch_size=".count))!
            #expect(lr >= 1e-4 * 0.9999 && lr <= 1e-1 * 1.0001 && wd >= 0 && wd <= 0.5 && (8...64).contains(batch))
            #expect(["model.name=mlp", "model.name=cnn"].contains(t[4]))
        }
        let lrs = c.map { log10(Double($0[1].dropFirst("optimizer.lr=".count))!) }
        #expect(lrs.contains { $0 < -3 } && lrs.contains { $0 > -2 })  // spread over the decades, not the top one
        #expect(s.configurations(seed: 7) == c)
        #expect(s.configurations(seed: 8) != c)
    }

    @Test func aSmallDiscreteSpaceStopsBeforeRepeatingAConfiguration() throws {
        let s = try space(random: ["data.batch_size=choice:8,16"], trials: 10)
        #expect(s.configurations(seed: 0).count == 2)
    }

    @Test func theSearchSectionIsReadAndIgnoredByTrain() throws {
        let yaml = """
            optimizer: {name: adam}
            search:
              trials: 4
              grid:
                optimizer.lr: [0.1, 0.01]
              random:
                optimizer.weight_decay: loguniform:1e-6:1e-2
            """
        let s = try SearchSpace.parse(yaml: yaml, source: "s.yaml")
        #expect(s.trials == 4 && s.parameters.map(\.key) == ["optimizer.lr", "optimizer.weight_decay"])
        #expect(s.parameters[0].values == .grid(["0.1", "0.01"]) && s.parameters[1].values == .logUniform(1e-6, 1e-2))
        #expect(try TrainingConfig.parse(yaml: yaml) == TrainingConfig.parse(yaml: "optimizer: {name: adam}"))
    }

    @Test(arguments: [
        ("search:\n  grid:\n    optimizer.lr: []\n", "s.yaml:3 search.grid.optimizer.lr: empty list of values in ''"),
        (
            "search:\n  random:\n    optimizer.lr: loguniform:0:1\n",
            "s.yaml:3 search.random.optimizer.lr: a log range needs bounds greater than 0, got 'loguniform:0:1'"
        ),
        ("search:\n  trails: 3\n", "s.yaml:2 search.trails: unknown key (did you mean 'trials'?)"),
    ])
    func badSectionsNameTheLine(yaml: String, message: String) throws {
        let error = try #require(throws: DescentError.self) { try SearchSpace.parse(yaml: yaml, source: "s.yaml") }
        #expect(error.description == message)
    }

    @Test(arguments: [
        (["optimizer.lrr=0.1,0.01"], [String](), "search optimizer.lrr=0.1: unknown key (did you mean 'lr'?)"),
        (["optimizer.lr="], [], "--grid optimizer.lr: empty list of values in ''"),
        (
            [], ["optimizer.lr=loguniform:-1:0.1"],
            "--random optimizer.lr: a log range needs bounds greater than 0, got 'loguniform:-1:0.1'"
        ),
        (["training.epochs=two,three"], [], "search training.epochs=two: expected an integer, got 'two'"),
        (["optimizer.lr=0.1,-0.1"], [], "search optimizer.lr=-0.1: must be greater than 0, got -0.1"),
        ([], ["optimizer.lr=uniform:-0.5:0.1"], "search optimizer.lr=-0.5: must be greater than 0, got -0.5"),
        (
            ["optimizer.lr=0.1,0.1"], [],
            "--grid optimizer.lr: the value '0.1' is listed twice (a grid has no duplicate configurations)"
        ),
        (
            [], ["optimizer.lr=normal:0:1"],
            "--random optimizer.lr: unknown distribution 'normal' (available: uniform, loguniform, int, choice)"
        ),
        ([], ["data.batch_size=int:9:8"], "--random data.batch_size: empty range: 9 > 8"),
    ])
    func badSpacesStopNamingTheKey(grid: [String], random: [String], message: String) throws {
        let error = try #require(throws: DescentError.self) {
            try space(grid: grid, random: random).validate(base: nil, overrides: [], seed: 0)
        }
        #expect(error.description == message)
    }

    @Test func resultsRankByTheMetricAndWriteCSV() throws {
        var a = SearchTrial(number: 1, parameters: ["optimizer.lr=10"])
        var b = SearchTrial(number: 2, parameters: ["optimizer.lr=0.001"])
        a.status = .failed
        a.reason = "non-finite values at step 3: loss"
        b.status = .done
        b.metric = 0.25
        b.bestEpoch = 1
        b.epochs = 1
        b.seconds = 1.5
        let r = SearchResults(metric: .validationLoss, keys: ["optimizer.lr"], trials: [a, b])
        #expect(r.best?.number == 2)
        #expect(
            r.csv == """
                trial,optimizer.lr,status,val_loss,best_epoch,epochs,seconds,reason
                1,10,failed,,,,,non-finite values at step 3: loss
                2,0.001,done,0.25,1,1,1.50,

                """)
        let text = SearchTable(r).text.split(separator: "\n").map(String.init)
        #expect(text[1].hasPrefix("002") && text[2].hasPrefix("001"))
        #expect(text[2].hasSuffix("non-finite values at step 3: loss"))
    }

    @Test func trialsDoNotEvaluateOnTheTestSplit() throws {
        let plan = SearchPlan(
            config: nil, overrides: [], space: try space(grid: ["optimizer.lr=0.1,0.01"]), seed: 0,
            metric: .validationLoss, parallel: 1, threadsPerTrial: 1)
        let c = try plan.trialConfig(["optimizer.lr=0.1"])
        #expect(!c.training.evaluateTest && c.threads == 1 && c.optimizer.lr == 0.1)
        #expect(try TrainingConfig.parse(yaml: "").training.evaluateTest)
        #expect(SearchPlan.defaultParallel(cores: 16, threadsPerTrial: 4) == 4)
        #expect(SearchPlan.defaultParallel(cores: 2, threadsPerTrial: 4) == 1)
    }
}
