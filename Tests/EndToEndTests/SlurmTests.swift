import Foundation
import RDTCore
import Testing

/// The slurm/ scripts on a real Slurm (scripts/local-slurm start): render and preprocess as array
/// jobs, merge and index as a dependent job, train through sbatch with 1 coordinator + 3 workers,
/// fetch from the coordinator, compare with `canopy train`. Runs when CANOPY_SLURM_TESTS=1
/// (scripts/test slurm sets it after starting Slurm).
@Suite(
    .serialized, .timeLimit(.minutes(10)),
    .enabled(if: ProcessInfo.processInfo.environment["CANOPY_SLURM_TESTS"] == "1", "needs scripts/local-slurm start"))
struct SlurmTests {
    static let root = PipelineTests.root
    static let map = root + "/reference/glimpse/label-maps/2018-11-render-to-2018-08-rdt-map.json"

    /// A folder with keys, a cluster config naming them, and an environment with canopy on PATH.
    struct Site {
        let dir: String
        let canopy: CanopyBinary
        var environment: [String: String]

        init() throws {
            dir = NSTemporaryDirectory() + "canopy-slurm-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            canopy = try CanopyBinary()
            let keys = try canopy.run(["keys", "generate", "--out", dir + "/keys", "coordinator", "worker"])
            precondition(keys.status == 0, keys.stderr)
            let config = """
                {"name": "test", "partition": "debug", "coordinator_port": 0, "threads_per_worker": 1,
                 "keys": {"directory": "keys", "coordinator": "coordinator", "client": "worker", "allowed": ["worker"]}}
                """
            try config.write(toFile: dir + "/test-cluster.json", atomically: true, encoding: .utf8)
            let bin = URL(fileURLWithPath: canopy.path).deletingLastPathComponent().path
            let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
            environment = ["PATH": bin + ":" + path, "CANOPY_CLUSTER": dir + "/test-cluster.json", "CANOPY_LINGER": "120"]
        }

        var clientArgs: [String] { ["--cluster", dir + "/test-cluster.json"] }

        /// Runs a command in the site folder with the site's environment.
        func sh(_ executable: String, _ args: [String], env extra: [String: String] = [:]) throws -> CanopyBinary.Result {
            try CanopyBinary.runProcess(executable, args, environment: environment.merging(extra) { $1 }, directory: dir)
        }

        func sbatch(_ args: [String], env: [String: String] = [:]) throws -> String {
            let r = try sh("/usr/bin/sbatch", ["--parsable"] + args, env: env)
            precondition(r.status == 0, "sbatch \(args): \(r.stderr)")
            return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first.map(String.init) ?? ""
        }

        /// Waits until the job has left the queue (array tasks included).
        func waitGone(_ job: String, seconds: Double = 300) throws {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if try sh("/usr/bin/squeue", ["-h", "-j", job]).stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return }
                usleep(200_000)
            }
            Issue.record("job \(job) still queued after \(seconds) s")
        }

        /// "COMPLETED", "FAILED", ... from scontrol (jobs stay known for MinJobAge).
        func state(_ job: String) throws -> String {
            let text = try sh("/usr/bin/scontrol", ["show", "job", job]).stdout
            return text.components(separatedBy: "JobState=").dropFirst().first?.split(separator: " ").first.map(String.init) ?? "?"
        }

        func read(_ name: String) -> String { (try? String(contentsOfFile: dir + "/" + name, encoding: .utf8)) ?? "" }

        func remove() {
            if ProcessInfo.processInfo.environment["CANOPY_KEEP_FIXTURES"] == nil { try? FileManager.default.removeItem(atPath: dir) }
        }
    }

    static func slurm(_ name: String) -> String { root + "/slurm/" + name }

    /// Polls `canopy status` on the coordinator named in JOBDIR/endpoint until `condition`.
    static func waitStatus(_ site: Site, _ jobDir: String, seconds: Double = 240, _ condition: (JSON) -> Bool) throws -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let endpoint = try? String(contentsOfFile: jobDir + "/endpoint", encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines),
                !endpoint.isEmpty
            {
                let r = try site.canopy.run(["status", "--coordinator", endpoint, "--json", "--timeout", "5"] + site.clientArgs)
                if r.status == 0, let json = try? JSON.parse(r.stdout), let job = json["jobs"]?.arrayValue?.first, condition(job) {
                    return endpoint
                }
            }
            usleep(300_000)
        }
        return nil
    }

    @Test func renderPreprocessTrainFetchOnSlurmMatchesCanopyTrain() throws {
        let site = try Site()
        defer { site.remove() }
        // Render: a 3-task array; the same frames as one local task.
        let render = try site.sbatch(["--array=0-2", Self.slurm("render.sbatch"), "raw", "--built-in-frames", "40"])
        try site.waitGone(render)
        #expect(try site.state(render) == "COMPLETED", "\(site.read("canopy-render-\(render)_0.log"))")
        let local = try site.canopy.run(["render", "--out", site.dir + "/raw-local", "--built-in-frames", "40"])
        #expect(local.status == 0)
        let rendered = try FileManager.default.contentsOfDirectory(atPath: site.dir + "/raw/depth").sorted()
        let renderedLocally = try FileManager.default.contentsOfDirectory(atPath: site.dir + "/raw-local/depth").sorted()
        #expect(rendered.count == 80 && rendered == renderedLocally)
        // Preprocess: a 2-task array, then merge + index only after it succeeded.
        let pre = try site.sbatch(["--array=0-1", Self.slurm("preprocess.sbatch"), "raw", "data", "--label-map", Self.map])
        let merge = try site.sbatch([
            "--dependency=afterok:\(pre)", Self.slurm("merge-index.sbatch"), "raw", "data", "--label-map", Self.map,
            "--", "-i", "tree0", "40", "-i", "tree1", "40", "-i", "test", "10",
        ])
        try site.waitGone(merge)
        #expect(try site.state(merge) == "COMPLETED", "\(site.read("canopy-merge-index-\(merge).log"))")
        for file in ["manifest.json", "index/tree0.txt", "index/tree1.txt", "index/test.txt"] {
            #expect(FileManager.default.fileExists(atPath: site.dir + "/data/" + file), "\(file) missing")
        }
        // Train: one allocation, coordinator + 3 workers (oversubscribed on 2 cores), fetch on the "login node".
        let job = """
            {"name": "slurmy", "n_trees": 2, "index_name": "tree{job}", "out_file": "slurmy-{index}.json",
             "n_pixels": 500, "n_uvs": 200, "n_thresholds": 15, "max_depth": 9}
            """
        try job.write(toFile: site.dir + "/job.json", atomically: true, encoding: .utf8)
        let train = try site.sbatch(["-n", "4", Self.slurm("train.sbatch"), "data", "job.json", "jobdir"])
        let endpoint = try Self.waitStatus(site, site.dir + "/jobdir") { $0["state"]?.stringValue == "finished" }
        #expect(endpoint != nil, "\(site.read("canopy-train-\(train).log")) \(site.read("jobdir/coordinator.log"))")
        guard let endpoint else { return }
        let fetched = try site.canopy.run(
            ["fetch", "--coordinator", endpoint, "--job", "slurmy", "--out", site.dir + "/got"] + site.clientArgs)
        #expect(fetched.status == 0, "\(fetched.stderr)")
        _ = try site.sh("/usr/bin/scancel", [train])
        let reference = try site.canopy.run([
            "train", "--data", site.dir + "/data", "--job", site.dir + "/job.json", "--out", site.dir + "/ref",
        ])
        #expect(reference.status == 0, "\(reference.stderr)")
        // The forest (compared with the reference) and the run's report.json.
        let names = try FileManager.default.contentsOfDirectory(atPath: site.dir + "/got").sorted().filter { $0 != "report.json" }
        #expect(names == ["slurmy-tree0.json", "slurmy-tree0.rdt", "slurmy-tree1.json", "slurmy-tree1.rdt"])
        #expect(FileManager.default.fileExists(atPath: site.dir + "/got/report.json"))
        for name in names {
            #expect(
                try Data(contentsOf: URL(fileURLWithPath: site.dir + "/got/" + name))
                    == Data(contentsOf: URL(fileURLWithPath: site.dir + "/ref/slurmy/" + name)), "\(name) differs")
        }
        #expect(site.read("jobdir/coordinator.log").contains("worker w3"), "three workers joined")

        // A worker's step cancelled mid-job (one step per process): same forest.
        let heavy = """
            {"name": "slurmy", "n_trees": 2, "index_name": "tree{job}", "out_file": "slurmy-{index}.json",
             "n_pixels": 3000, "n_uvs": 500, "n_thresholds": 31, "max_depth": 12}
            """
        try heavy.write(toFile: site.dir + "/heavy.json", atomically: true, encoding: .utf8)
        let stepped = try site.sbatch(
            ["-n", "4", Self.slurm("train.sbatch"), "data", "heavy.json", "jobdir2"],
            // Level by level (no subtree handoff), so the job is still training when the step is cancelled.
            env: ["CANOPY_TRAIN_LAUNCH": "steps", "CANOPY_HANDOFF_PIXELS": "0"])
        let running = try Self.waitStatus(site, site.dir + "/jobdir2") {
            ($0["level"]?.intValue ?? 0) >= 2 && $0["state"]?.stringValue == "training"
        }
        #expect(running != nil, "\(site.read("jobdir2/coordinator.log"))")
        // Cancel the step of a worker that holds frames (every worker does: frame ranges are the
        // unit of work), found from the coordinator's status (its pid) and Slurm's pid list.
        let status = try JSON.parse(
            try site.canopy.run(
                [
                    "status", "--coordinator", try #require(running), "--json",
                    "--timeout", "5",
                ] + site.clientArgs
            ).stdout)
        let holder = status["workers"]?.arrayValue?.first { ($0["frames"]?.intValue ?? 0) > 0 }
        let pid = try #require(holder?["pid"]?.intValue, "no worker holds frames: \(status.serialized())")
        let pids = try site.sh("/usr/bin/scontrol", ["listpids", stepped]).stdout
        let row = pids.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
            .first { $0.count >= 3 && Int($0[0]) == pid }
        let step = try #require(row.map { "\(stepped).\($0[2])" }, "pid \(pid) is in no step of \(stepped): \(pids)")
        #expect(try site.sh("/usr/bin/scancel", [step]).status == 0)
        let done = try Self.waitStatus(site, site.dir + "/jobdir2") { $0["state"]?.stringValue == "finished" }
        #expect(done != nil, "\(site.read("jobdir2/coordinator.log"))")
        guard let done else { return }
        let fetched2 = try site.canopy.run(
            ["fetch", "--coordinator", done, "--job", "slurmy", "--out", site.dir + "/got2"] + site.clientArgs)
        #expect(fetched2.status == 0, "\(fetched2.stderr)")
        _ = try site.sh("/usr/bin/scancel", [stepped])
        #expect(site.read("jobdir2/coordinator.log").contains("lost"), "\(site.read("jobdir2/coordinator.log"))")
        let reference2 = try site.canopy.run([
            "train", "--data", site.dir + "/data", "--job", site.dir + "/heavy.json", "--workers", "0",
            "--out", site.dir + "/ref2",
        ])
        #expect(reference2.status == 0)
        for name in names {
            #expect(
                try Data(contentsOf: URL(fileURLWithPath: site.dir + "/got2/" + name))
                    == Data(contentsOf: URL(fileURLWithPath: site.dir + "/ref2/slurmy/" + name)), "\(name) differs after a cancelled worker"
            )
        }
    }

    @Test func scriptsFailEarlyWithAClearMessage() throws {
        let site = try Site()
        defer { site.remove() }
        /// Submits with --wait; the job must fail, and its log say `expected`.
        func fails(_ args: [String], env: [String: String] = [:], log: String, saying expected: String) throws {
            let r = try site.sh("/usr/bin/sbatch", ["--wait", "-o", log] + args, env: env)
            #expect(r.status != 0, "\(args) succeeded")
            #expect(site.read(log).contains(expected), "\(log): \(site.read(log))")
        }
        try fails(
            [Self.slurm("train.sbatch"), "data", "job.json", "jobdir"], env: ["CANOPY_CLUSTER": "no-such-cluster"],
            log: "unknown.log", saying: "unknown cluster no-such-cluster")
        try fails(
            [Self.slurm("preprocess.sbatch"), "raw", "data"], env: ["PATH": "/usr/bin:/bin"],
            log: "nopath.log", saying: "canopy is not on PATH")
        try fails(
            ["-n", "2", Self.slurm("train.sbatch"), "nowhere", "job.json", "jobdir"], log: "nodata.log",
            saying: "nowhere/manifest.json is missing")
        try fails([Self.slurm("preprocess.sbatch"), "noraw", "data"], log: "noraw.log", saying: "noraw does not exist")
    }
}
