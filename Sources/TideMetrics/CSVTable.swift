/// A comma-separated file as a header and rows of fields (RFC 4180 quoting:
/// a field in double quotes may hold commas, and `""` stands for a quote).
struct CSVTable {
    let header: [String]
    /// Each data row with its 1-based line number, blank lines left out.
    let rows: [(line: Int, fields: [String])]

    init(_ text: String) {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated()
            .map { (line: $0.offset + 1, fields: Self.fields(of: $0.element)) }
            .filter { !($0.fields.count == 1 && $0.fields[0].allSatisfy(\.isWhitespace)) }
        header = lines.isEmpty ? [] : lines.removeFirst().fields.map { $0.trimmingSpaces }
        rows = lines
    }

    /// The field of `row` under `column`, trimmed; nil when the column is absent or the field empty.
    func value(_ row: [String], _ column: String) -> String? {
        guard let index = header.firstIndex(of: column), index < row.count else { return nil }
        let value = row[index].trimmingSpaces
        return value.isEmpty ? nil : value
    }

    private static func fields(of line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var characters = line.makeIterator()
        var pending = characters.next()
        while let character = pending {
            pending = characters.next()
            if quoted {
                if character == "\"" {
                    if pending == "\"" {
                        current.append("\"")
                        pending = characters.next()
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}
