/// Left-aligned columns separated by three spaces, as kubectl prints them.
struct TextTable {
    var header: [String]
    /// Column widths; at least the header's, grown by `widen(with:)`.
    private(set) var widths: [Int]

    init(header: [String]) {
        self.header = header
        widths = header.map(\.count)
    }

    mutating func widen(with rows: [[String]]) {
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
    }

    func line(_ cells: [String]) -> String {
        var text = ""
        for (index, cell) in cells.enumerated() {
            if index == cells.count - 1 {
                text += cell
            } else {
                let width = index < widths.count ? widths[index] : cell.count
                text += cell + String(repeating: " ", count: max(0, width - cell.count) + 3)
            }
        }
        return text
    }

    /// The header and `rows`, widths fitted to all of them.
    static func render(header: [String], rows: [[String]]) -> [String] {
        var table = TextTable(header: header)
        table.widen(with: rows)
        return [table.line(header)] + rows.map(table.line)
    }
}
