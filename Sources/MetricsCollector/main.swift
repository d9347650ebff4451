// metrics-collector: the metrics collector (issue 5) is not built yet. The allocation core it will call is
// TideAllocation; `cmd allocate` runs one round of it today.
import Foundation

let message = "metrics-collector is not built yet: the metrics collector (issue 5). Try `cmd allocate` or `cmd simulate`.\n"
FileHandle.standardError.write(Data(message.utf8))
exit(2)
