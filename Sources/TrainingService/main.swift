// training-service: the REST API (issue 4) is not built yet. The allocation core it will call is
// TideAllocation; `cmd allocate` runs one round of it today.
import Foundation

let message = "training-service is not built yet: the REST API (issue 4). Try `cmd allocate` or `cmd simulate`.\n"
FileHandle.standardError.write(Data(message.utf8))
exit(2)
