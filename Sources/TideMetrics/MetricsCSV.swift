import Foundation
import TideJobs

/// A job's per-epoch metrics file (`<job>.csv` in a directory), read as
/// progress samples. Two formats, told apart by the header:
///
/// - **Tide's plain form**: `epoch,workers,epoch_seconds`, optionally `epochs`
///   (the job's total) and `time` (when the epoch ended: RFC 3339, or seconds
///   since 1970). `epoch` counts epochs done, as in the worker contract.
/// - **Voda's**: the CSV its Keras callback `MetricsCSVLogger` writes
///   (examples/py/tensorflow2/callbacks.py in heyfey/vodascheduler, read by its
///   python/metrics_collector): `epoch` is the 0-based index of the epoch that
///   ended, then the alphabetically sorted log keys, among them `workers`,
///   `epoch_time_sec`, `step_time_sec`, `total_epochs`, `start_time` (when the
///   epoch began, `YYYY-MM-DD HH:MM:SS.ffffff` in the worker's local time, read
///   here as UTC) and `loss`. The last row may hold `NA`s (training stopped early).
///
/// A row whose epoch, width or time does not parse is skipped. A sample's time
/// is the epoch's end; without one, the running sum of epoch times since 1970
/// stands in for it, which orders the rows and keeps each row's mark the same
/// from one read to the next (the collector reads the whole file every run and
/// folds only rows newer than the last one folded).
public enum MetricsCSV {
    /// A file the collector cannot read as either format.
    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The samples of `text`, in file order. `epochs` is the job's total when the file has no column for it.
    public static func samples(_ text: String, job: String, accelerator: String, epochs defaultEpochs: Int?) throws
        -> [ProgressSample]
    {
        let table = CSVTable(text)
        let voda = table.header.contains("epoch_time_sec")
        guard voda || table.header.contains("epoch_seconds"), table.header.contains("epoch"),
            table.header.contains("workers")
        else {
            throw FormatError(description: "header needs epoch, workers and epoch_seconds (or Voda's epoch_time_sec): \(table.header)")
        }
        var clock = 0.0
        var samples: [ProgressSample] = []
        for (_, row) in table.rows {
            let value = { (column: String) in table.value(row, column) }
            guard let epochText = value("epoch"), let index = Int(epochText), let workers = value("workers").flatMap(whole),
                let seconds = value(voda ? "epoch_time_sec" : "epoch_seconds").flatMap(Double.init),
                seconds.isFinite, seconds > 0,
                let epochs = value(voda ? "total_epochs" : "epochs").flatMap(whole) ?? defaultEpochs
            else { continue }
            clock += seconds
            let ended: Date? =
                voda
                ? value("start_time").flatMap(vodaTime).map { $0.addingTimeInterval(seconds) }
                : value("time").flatMap(time)
            samples.append(ProgressSample(
                job: job, accelerator: accelerator, epoch: voda ? index + 1 : index, epochs: epochs,
                workers: workers, epochSeconds: seconds, stepSeconds: value("step_time_sec").flatMap(Double.init),
                loss: value("loss").flatMap(Double.init),
                receivedAt: ended ?? Date(timeIntervalSince1970: clock)))
        }
        return samples
    }

    /// An integer, also written as a float (`4.0`: pandas writes whole columns with NAs that way).
    private static func whole(_ text: String) -> Int? {
        if let value = Int(text) { return value }
        guard let value = Double(text), value.rounded() == value, abs(value) < 1e15 else { return nil }
        return Int(value)
    }

    /// RFC 3339, or seconds since 1970.
    private static func time(_ text: String) -> Date? {
        Double(text).map { Date(timeIntervalSince1970: $0) } ?? RFC3339.date(text)
    }

    /// Python's `str(datetime)`: `YYYY-MM-DD HH:MM:SS[.ffffff]`, as UTC.
    private static func vodaTime(_ text: String) -> Date? {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "T" })
        guard parts.count == 2 else { return nil }
        let day = parts[0].split(separator: "-").compactMap { Int($0) }
        let clock = parts[1].split(separator: ":")
        guard day.count == 3, clock.count == 3, let hour = Int(clock[0]), let minute = Int(clock[1]),
            let second = Double(clock[2])
        else { return nil }
        var components = DateComponents()
        (components.year, components.month, components.day) = (day[0], day[1], day[2])
        (components.hour, components.minute) = (hour, minute)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: components)?.addingTimeInterval(second)
    }
}
