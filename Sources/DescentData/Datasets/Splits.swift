import Descent

/// Index-level splitting of datasets: random partitions by fractions (optionally stratified by class) and
/// k-fold cross-validation folds. Every function is a pure function of its arguments and seed.
///
/// The dataset-level forms are ``Dataset/split(train:validation:test:seed:stratified:)``,
/// ``Dataset/randomSplit(_:seed:stratified:)`` and ``Dataset/kFold(_:seed:stratified:)``.
public enum Splits {
    /// The sizes of parts of `count` items in proportions `fractions` (which must sum to 1): each part gets
    /// `floor(count × fraction)`, and the items left over go one each to the parts with the largest fractional
    /// remainders (earlier parts first on ties), so the sizes always add up to `count`.
    ///
    /// - Throws: ``DescentError`` of kind `.argument` when a fraction is negative or not finite, or the
    ///   fractions do not sum to 1 (within 1e-6).
    public static func sizes(count: Int, fractions: [Double]) throws -> [Int] {
        try check(fractions)
        let exact = fractions.map { Double(count) * $0 }
        var sizes = exact.map { Int($0.rounded(.down)) }
        let left = count - sizes.reduce(0, +)
        let order = exact.indices.sorted { a, b in
            let ra = exact[a] - Double(sizes[a]), rb = exact[b] - Double(sizes[b])
            return ra != rb ? ra > rb : a < b
        }
        for k in 0..<left { sizes[order[k % order.count]] += 1 }
        return sizes
    }

    /// A random partition of `0..<count` into parts of proportions `fractions`; each part's indices are
    /// sorted ascending. The same `seed` gives the same partition on every machine.
    ///
    /// - Throws: ``DescentError`` for invalid fractions (see ``sizes(count:fractions:)``).
    public static func partition(count: Int, fractions: [Double], seed: UInt64) throws -> [[Int]] {
        let sizes = try Splits.sizes(count: count, fractions: fractions)
        let perm = RandomGenerator(seed: seed, stream: 0).permutation(count)
        var parts = [[Int]](), start = 0
        for s in sizes {
            parts.append(perm[start..<(start + s)].sorted())
            start += s
        }
        return parts
    }

    /// A random partition of the indices of `labels` (one class index per item) into parts of proportions
    /// `fractions`, splitting every class in those proportions (so each part keeps the class balance; a part's
    /// size may differ from `count × fraction` by less than the number of classes). Parts are sorted.
    ///
    /// - Throws: ``DescentError`` for invalid fractions.
    public static func stratifiedPartition(labels: [Int], fractions: [Double], seed: UInt64) throws -> [[Int]] {
        try check(fractions)
        var parts = [[Int]](repeating: [], count: fractions.count)
        for (c, members) in classMembers(labels) {
            let sizes = try Splits.sizes(count: members.count, fractions: fractions)
            let perm = RandomGenerator(seed: seed, stream: UInt64(c) &+ 1).permutation(members.count)
            var start = 0
            for (p, s) in sizes.enumerated() {
                parts[p] += perm[start..<(start + s)].map { members[$0] }
                start += s
            }
        }
        return parts.map { $0.sorted() }
    }

    /// One fold of a k-fold split: the held-out indices and the rest.
    public struct Fold: Sendable, Equatable {
        /// Indices to train on (all but `validation`), sorted.
        public let train: [Int]
        /// Indices held out in this fold, sorted.
        public let validation: [Int]
    }

    /// `folds` folds of `0..<count` (scikit-learn's `KFold`): the items, shuffled by `seed` (or in order when
    /// `seed` is `nil`), are cut into `folds` consecutive groups whose sizes differ by at most one (the first
    /// `count % folds` groups have one more); fold `i` holds out group `i`. The validation sets partition
    /// `0..<count`.
    ///
    /// - Throws: ``DescentError`` of kind `.argument` when `folds < 2` or `folds > count`.
    public static func kFold(count: Int, folds: Int, seed: UInt64? = nil) throws -> [Fold] {
        try checkFolds(folds, count: count)
        let order = seed.map { RandomGenerator(seed: $0, stream: 0).permutation(count) } ?? Array(0..<count)
        var groups = [[Int]](), start = 0
        for f in 0..<folds {
            let size = count / folds + (f < count % folds ? 1 : 0)
            groups.append(Array(order[start..<(start + size)]))
            start += size
        }
        return makeFolds(groups, count: count)
    }

    /// `folds` stratified folds of the indices of `labels`: each class's items, shuffled by `seed`, are dealt
    /// to the folds in turn (continuing from where the previous class stopped), so every fold has each class in
    /// nearly the same proportion and fold sizes differ by at most one.
    ///
    /// - Throws: ``DescentError`` of kind `.argument` when `folds < 2` or `folds > labels.count`.
    public static func stratifiedKFold(labels: [Int], folds: Int, seed: UInt64) throws -> [Fold] {
        try checkFolds(folds, count: labels.count)
        var groups = [[Int]](repeating: [], count: folds)
        var next = 0
        for (c, members) in classMembers(labels) {
            let perm = RandomGenerator(seed: seed, stream: UInt64(c) &+ 1).permutation(members.count)
            for j in perm {
                groups[next].append(members[j])
                next = (next + 1) % folds
            }
        }
        return makeFolds(groups, count: labels.count)
    }

    /// Folds holding out each group in turn.
    static func makeFolds(_ groups: [[Int]], count: Int) -> [Fold] {
        groups.map { g in
            var held = [Bool](repeating: false, count: count)
            for i in g { held[i] = true }
            return Fold(train: (0..<count).filter { !held[$0] }, validation: g.sorted())
        }
    }

    /// The indices of each class, classes in ascending order.
    static func classMembers(_ labels: [Int]) -> [(Int, [Int])] {
        var members = [Int: [Int]]()
        for (i, l) in labels.enumerated() { members[l, default: []].append(i) }
        return members.keys.sorted().map { ($0, members[$0]!) }
    }

    static func check(_ fractions: [Double]) throws {
        guard !fractions.isEmpty else { throw DescentError(.argument, "split", "no fractions given") }
        if let bad = fractions.first(where: { !$0.isFinite || $0 < 0 }) {
            throw DescentError(.argument, "split", "fraction \(bad) is not a number in [0, 1]")
        }
        let total = fractions.reduce(0, +)
        guard abs(total - 1) <= 1e-6 else {
            throw DescentError(.argument, "split", "fractions \(fractions) sum to \(total), not 1")
        }
    }

    static func checkFolds(_ folds: Int, count: Int) throws {
        guard folds >= 2 else { throw DescentError(.argument, "k-fold", "needs at least 2 folds, got \(folds)") }
        guard folds <= count else {
            throw DescentError(
                .argument, "k-fold", "\(folds) folds need at least \(folds) samples, the dataset has \(count)")
        }
    }
}

/// A dataset cut into training, validation and test parts (see ``Dataset/split(train:validation:test:seed:stratified:)``).
public struct DatasetSplits<Base: Dataset>: Sendable {
    /// The training part (compute normalisation statistics on this one only).
    public let train: Subset<Base>
    /// The validation part (empty when its fraction is 0).
    public let validation: Subset<Base>
    /// The test part (empty when its fraction is 0).
    public let test: Subset<Base>
}

/// One fold of a dataset's k-fold split.
public struct DatasetFold<Base: Dataset>: Sendable {
    /// The samples to train on.
    public let train: Subset<Base>
    /// The samples held out.
    public let validation: Subset<Base>
}

extension Dataset {
    /// Splits the dataset at random into training, validation and test parts in the given proportions (which
    /// must sum to 1), reproducibly for `seed`; with `stratified`, every class is split in those proportions.
    ///
    /// - Throws: ``DescentError`` for invalid fractions, or when `stratified` is set and a sample has a tensor
    ///   target instead of a class.
    public func split(
        train: Double, validation: Double = 0, test: Double = 0, seed: UInt64,
        stratified: Bool = false
    ) throws -> DatasetSplits<Self> {
        let parts = try randomSplit([train, validation, test], seed: seed, stratified: stratified)
        return DatasetSplits(train: parts[0], validation: parts[1], test: parts[2])
    }

    /// Splits the dataset at random into parts of proportions `fractions` (summing to 1), reproducibly for
    /// `seed`; with `stratified`, every class is split in those proportions.
    ///
    /// - Throws: ``DescentError`` for invalid fractions, or a sample without a class when `stratified` is set.
    public func randomSplit(_ fractions: [Double], seed: UInt64, stratified: Bool = false) throws -> [Subset<Self>] {
        let parts =
            stratified
            ? try Splits.stratifiedPartition(
                labels: classLabels(for: "a stratified split"), fractions: fractions, seed: seed)
            : try Splits.partition(count: count, fractions: fractions, seed: seed)
        return parts.map { Subset(self, indices: $0) }
    }

    /// The `k` folds of a k-fold cross-validation, shuffled by `seed`; with `stratified`, each fold keeps the
    /// class proportions.
    ///
    /// - Throws: ``DescentError`` when `k < 2`, `k` exceeds the number of samples, or a sample has no class
    ///   when `stratified` is set.
    public func kFold(_ k: Int, seed: UInt64, stratified: Bool = false) throws -> [DatasetFold<Self>] {
        let folds =
            stratified
            ? try Splits.stratifiedKFold(labels: classLabels(for: "a stratified k-fold split"), folds: k, seed: seed)
            : try Splits.kFold(count: count, folds: k, seed: seed)
        return folds.map {
            DatasetFold(train: Subset(self, indices: $0.train), validation: Subset(self, indices: $0.validation))
        }
    }

    /// Every sample's class, or an error naming the first sample without one.
    func classLabels(for purpose: String) throws -> [Int] {
        try (0..<count).map { i in
            guard let l = label(at: i) else {
                throw DescentError(
                    .argument, "split", "\(purpose) needs class targets, but sample \(i) has a tensor target")
            }
            return l
        }
    }
}
