// resource-allocator: the allocator RPC service (issue 5) is not built yet. The allocation core it will call is
// TideAllocation; `cmd allocate` runs one round of it today.
import Foundation

let message = "resource-allocator is not built yet: the allocator RPC service (issue 5). Try `cmd allocate` or `cmd simulate`.\n"
FileHandle.standardError.write(Data(message.utf8))
exit(2)
