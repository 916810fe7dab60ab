import Foundation
import RDTCore
import TestSupport
import Testing

@testable import Dataset

@Suite struct DatasetIndexTests {
    func dataset() throws -> (TemporaryDirectory, DatasetManifest) {
        let dir = try TemporaryDirectory()
        return (dir, try RawFixture.dataset(in: dir.path, clips: 3, frames: 4))
    }

    @Test func namedIndexesAreReproducibleAndExclusionsHold() throws {
        let (dir, manifest) = try dataset()
        #expect(manifest.frames.count == 24 && manifest.labelMap.count == 32)
        #expect(manifest.camera?.width == 64)
        var indexer = DatasetIndexer(manifest: manifest)
        indexer.withoutReplacement = true
        let test = try indexer.write([("test", 6)])["test"]!
        #expect(Set(test).count == 6)
        var trainer = DatasetIndexer(manifest: manifest)
        trainer.exclude = ["test"]
        let trees = try trainer.write([("tree0", 40), ("tree1", 40)])
        #expect(Set(trees["tree0"]!).isDisjoint(with: test) && Set(trees["tree1"]!).isDisjoint(with: test))
        #expect(trees["tree0"]!.count == 40 && Set(trees["tree0"]!).count < 40)  // with replacement: repeats
        #expect(trees["tree0"] != trees["tree1"])  // seeded by name
        #expect(try trainer.write([("tree0", 40)])["tree0"] == trees["tree0"])
        #expect(try manifest.index("tree0") == trees["tree0"]!)
        #expect(try manifest.index("full").count == 24)
        _ = dir
    }

    @Test func filtersAndErrors() throws {
        let (dir, manifest) = try dataset()
        var indexer = DatasetIndexer(manifest: manifest)
        indexer.includeFlipped = false
        indexer.tags = ["clip1"]
        let pool = try indexer.pool()
        #expect(pool.count == 4 && pool.allSatisfy { $0 % 2 == 0 })
        indexer.notTags = ["clip1"]
        #expect(try indexer.pool().isEmpty)
        var strict = DatasetIndexer(manifest: manifest)
        strict.withoutReplacement = true
        #expect(throws: IndexError.tooFew(name: "big", wanted: 25, available: 24)) { try strict.write([("big", 25)]) }
        #expect(throws: IndexError.duplicateName("a")) { try strict.write([("a", 1), ("a", 2)]) }
        #expect(throws: IndexError.missingIndex(path: manifest.root + "/index/nope.txt")) { try manifest.index("nope") }
        #expect(throws: IndexError.noManifest(dir.path)) { try DatasetManifest(root: dir.path) }
    }
}

/// A test index rebuilt after the training indexes that excluded it is said to overlap them.
@Suite struct IndexOverlapTests {
    @Test func rebuildingAnExcludedIndexWarnsWhenItOverlaps() throws {
        let dir = try TemporaryDirectory()
        let manifest = try RawFixture.dataset(in: dir.path, clips: 2, frames: 4)
        var test = DatasetIndexer(manifest: manifest)
        test.withoutReplacement = true
        test.seed = "first"
        try test.write([("test", 4)])
        var train = DatasetIndexer(manifest: manifest)
        train.exclude = ["test"]
        train.withoutReplacement = true
        try train.write([("tree0", 12)])
        #expect(try train.overlapWarnings(after: ["tree0"]).isEmpty)
        // Rebuilt with another seed, the test index now holds frames tree0 trains on.
        test.seed = "second"
        try test.write([("test", 4)])
        let warnings = try test.overlapWarnings(after: ["test"])
        #expect(
            warnings.count == 1 && warnings[0].contains("index test shares") && warnings[0].contains("rebuild tree0 with -e test"),
            "\(warnings)")
    }
}
