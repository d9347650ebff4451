import PropertyBased
@testable import TideCore

/// Random valid jobs, built from small genes so that each shrinks toward a simpler valid job.
enum JobGenerator {
    static let labelCharacters = Array("abcdefghijklmnopqrstuvwxyz0123456789-")
    static let textCharacters = Array("abc XYZ 019 -_./:=\"'\\\n\t{}[],&*!|>%@`#?é中🚀$\u{1}")

    /// A DNS label / GPU type of 1...`maxLength` characters.
    static func label(maxLength: Int) -> Generator<String, some SendableSequenceType> {
        zip(Gen.element(of: labelCharacters).array(of: 0...(maxLength - 1)), Gen.lowercaseLetter).map { body, end in
            var characters = body.compactMap { $0 }
            while characters.first == "-" { characters.removeFirst() }
            return String(characters) + String(end)
        }
    }

    /// Any text, including YAML's and JSON's special characters.
    static var text: Generator<String, some SendableSequenceType> {
        Gen.element(of: textCharacters).array(of: 0...12).map { String($0.compactMap { $0 }) }
    }

    /// Opaque values as a template or an MPIJob may hold them: finite numbers, keys the store can hold.
    static var opaque: Generator<JSONValue, some SendableSequenceType> {
        let scalar = zip(
            Gen.int(in: 0...5), Gen.int64(in: .min ... .max), Gen.double(in: -1e12...1e12), text, Gen.bool
        ).map { kind, integer, double, string, flag -> JSONValue in
            switch kind {
            case 0: return .null
            case 1: return .bool(flag)
            case 2: return .int(integer)
            case 3: return .number(double)
            default: return .string(string)
            }
        }
        let key = text.map { $0.hasPrefix("$") ? "k" + $0 : $0 }
        return zip(scalar.array(of: 0...3), zip(key, scalar).array(of: 0...3), Gen.int(in: 0...2)).map { list, pairs, shape -> JSONValue in
            switch shape {
            case 0: return list.first ?? .null
            case 1: return .array(list)
            default: return .object(Dictionary(pairs, uniquingKeysWith: { first, _ in first }))
            }
        }
    }

    static var template: Generator<JSONValue, some SendableSequenceType> {
        zip(text, text.array(of: 0...3), text.array(of: 0...2), text.array(of: 0...3), opaque.array(of: 0...2), Gen.int(in: 0...3))
            .map { image, command, args, envValues, volumes, extras -> JSONValue in
                var template: [String: JSONValue] = [
                    "image": .string("registry.example/" + image.filter { !$0.isWhitespace } + ":1")
                ]
                if !command.isEmpty { template["command"] = .array(command.map { .string($0) }) }
                if !args.isEmpty { template["args"] = .array(args.map { .string($0) }) }
                if !envValues.isEmpty {
                    template["env"] = .array(envValues.enumerated().map { index, value in
                        .object(["name": .string("VAR_\(index)"), "value": .string(value)])
                    })
                }
                if extras > 0 { template["resources"] = .object(["cpu": "2", "memory": "16Gi"]) }
                if extras > 1 { template["volumes"] = .array(volumes.map { .object(["name": "v", "extra": $0]) }) }
                if extras > 2 { template["workingDir"] = "/work" }
                return .object(template)
            }
    }

    static var jobs: Generator<JobSpec, some SendableSequenceType> {
        let counts = zip(
            Gen.int(in: 1...1024), Gen.int(in: 0...8), Gen.int(in: 0...8), Gen.int(in: 1...16), Gen.int(in: -1000...1000),
            Gen.bool(0.8), Gen.int(in: 1...1_000_000), Gen.bool, Gen.int(in: 0...100),
            Gen.int(in: 1...JobRules.timeLimitSeconds.upperBound).optional(valueRate: 0.5))
        let names = zip(
            label(maxLength: 40), label(maxLength: 40), label(maxLength: 40).optional(valueRate: 0.3),
            label(maxLength: 63), Gen.bool(0.7), label(maxLength: 63).optional(valueRate: 0.3), Gen.bool(0.2))
        return zip(counts, names, template, opaque).map { c, n, template, opaque -> JobSpec in
            let max = c.0
            let min = Swift.max(1, max - c.1 * max / 8)
            let requested = Swift.min(max, min + c.2 * (max - min) / 8)
            var failback = n.2
            if failback == n.1 { failback = nil }
            let mpiJob: JSONValue? = n.6
                ? .object([
                    "apiVersion": "kubeflow.org/v1", "kind": "MPIJob", "metadata": .object(["name": .string(n.0)]),
                    "spec": .object(["extra": opaque]),
                ])
                : nil
            return JobSpec(
                name: n.0, accelerator: n.1, workers: .init(min: min, max: max), requestedWorkers: requested,
                gpusPerWorker: c.3, priority: c.4, preemptible: c.5, queue: n.4 ? "default" : n.3, epochs: c.6,
                resize: c.7 ? .restart : .live, maxRetries: c.8, timeLimitSeconds: c.9,
                failback: failback.map { .init(accelerator: $0) }, template: template,
                checkpointVolume: n.5.map { .init(claimName: $0) }, mpiJob: mpiJob)
        }
    }
}
