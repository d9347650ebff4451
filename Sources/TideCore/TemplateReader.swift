/// Checks the shape of `spec.template`: a container with an image (the Kubernetes
/// backend) or at least a command (the local backend runs it without one), plus the
/// pod-level lists. What lies below these fields is passed through.
enum TemplateReader {
    static let fields = [
        "image", "command", "args", "workingDir", "env", "resources", "volumeMounts", "volumes", "tolerations",
        "imagePullSecrets",
    ]
    static let envFields = ["name", "value", "valueFrom"]

    static func read(_ value: JSONValue?, path: String, problems: inout Problems) -> JSONValue? {
        guard
            let template = ObjectReader(
                value, path: path, required: true, expecting: "the worker container: image, command, env, …",
                problems: &problems)
        else { return nil }
        template.refuseUnknown(fields, in: "spec.template", problems: &problems)
        if template.value("image") == nil && template.value("command") == nil {
            problems.add(
                template.child("image"),
                "is required unless spec.template.command is given: the worker's container image (Kubernetes) or the command to run (local backend)")
        }
        if let image = template.string("image", problems: &problems) {
            // Unicode White_Space by scalar, the set openapi.yaml's pattern spells out.
            if image.value.isEmpty || image.value.unicodeScalars.contains(where: \.properties.isWhitespace) {
                problems.add(image.path, "must be a container image reference without spaces (got \(image.shown))")
            }
        }
        for key in ["command", "args"] { strings(template, key, problems: &problems) }
        _ = template.string("workingDir", problems: &problems)
        env(template, problems: &problems)
        _ = ObjectReader(
            template.value("resources"), path: template.child("resources"), required: false,
            expecting: "such as {cpu: \"2\", memory: 16Gi}", problems: &problems)
        for key in ["volumeMounts", "volumes", "tolerations", "imagePullSecrets"] {
            mappings(template, key, problems: &problems)
        }
        return value
    }

    private static func strings(_ template: ObjectReader, _ key: String, problems: inout Problems) {
        guard let value = template.value(key) else { return }
        guard case .array(let elements) = value else {
            problems.add(template.child(key), "must be a list of strings, got \(value.kindName)")
            return
        }
        for (index, element) in elements.enumerated() where element.stringValue == nil {
            problems.add(
                template.child(key).at(index), "must be a string, got \(element.kindName) (\(element.brief)): quote it")
        }
    }

    private static func mappings(_ template: ObjectReader, _ key: String, problems: inout Problems) {
        guard let value = template.value(key) else { return }
        guard case .array(let elements) = value else {
            problems.add(template.child(key), "must be a list of mappings, got \(value.kindName)")
            return
        }
        for (index, element) in elements.enumerated() where element.objectValue == nil {
            problems.add(template.child(key).at(index), "must be a mapping, got \(element.kindName)")
        }
    }

    private static func env(_ template: ObjectReader, problems: inout Problems) {
        guard let value = template.value("env") else { return }
        guard case .array(let elements) = value else {
            problems.add(template.child("env"), "must be a list of {name, value}, got \(value.kindName)")
            return
        }
        var seen: [String: Int] = [:]
        for (index, element) in elements.enumerated() {
            let path = template.child("env").at(index)
            guard let variable = ObjectReader(
                element, path: path, required: true, expecting: "{name, value}", problems: &problems)
            else { continue }
            variable.refuseUnknown(envFields, in: "an env entry", problems: &problems)
            if let name = variable.string("name", required: "the variable's name", problems: &problems) {
                if name.value.isEmpty || name.value.contains("=") {
                    problems.add(name.path, "must be a variable name: not empty, without '=' (got \(name.shown))")
                } else if name.value.hasPrefix("TIDE_") {
                    problems.add(name.path, "names starting with TIDE_ are set by Tide (got \(name.shown))")
                } else if let first = seen[name.value] {
                    problems.add(name.path, "repeats \(template.child("env").at(first)).name (\(name.shown))")
                } else {
                    seen[name.value] = index
                }
            }
            if let literal = variable.value("value"), literal.stringValue == nil {
                problems.add(
                    variable.child("value"),
                    "must be a string, got \(literal.kindName) (\(literal.brief)): quote it, as in \"\(literal.brief)\"")
            }
            _ = ObjectReader(
                variable.value("valueFrom"), path: variable.child("valueFrom"), required: false,
                expecting: "a Kubernetes env source", problems: &problems)
        }
    }
}
