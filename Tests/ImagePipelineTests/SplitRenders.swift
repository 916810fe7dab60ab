import Foundation
import Testing

@testable import ImagePipeline

/// Renders `make`'s job as 1 task into DIR/one and as 3 tasks into DIR/three, and checks that the
/// two give the same `frames` files in depth/, labels/ and meta/, byte for byte.
func expectSameOutputForOneOrThreeTasks(in dir: String, frames: Int, _ make: (String) throws -> RenderJob) throws {
    for (out, count) in [("one", 1), ("three", 3)] {
        for t in 0..<count {
            var job = try make(dir + "/" + out)
            (job.taskID, job.taskCount) = (t, count)
            try job.run()
        }
    }
    for sub in ["depth", "labels", "meta"] {
        let names = try FileManager.default.contentsOfDirectory(atPath: dir + "/one/" + sub).sorted()
        #expect(names.count == frames, "\(sub): \(names.count) files")
        for n in names {
            #expect(
                FileManager.default.contents(atPath: dir + "/one/\(sub)/\(n)")
                    == FileManager.default.contents(atPath: dir + "/three/\(sub)/\(n)"), "\(sub)/\(n)")
        }
    }
}
