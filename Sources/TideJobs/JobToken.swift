import Crypto
import Foundation

/// The token a job's workers present with their progress reports: hex
/// HMAC-SHA256 of the job's stored name under the secret the services share
/// (`TIDE_JOB_TOKEN_SECRET`), so no token is stored anywhere.
public struct JobTokens: Sendable {
    private let key: SymmetricKey

    public init(secret: String) {
        key = SymmetricKey(data: Data(secret.utf8))
    }

    /// The token of job `name`.
    public func token(job name: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(name.utf8), using: key).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `token` is job `name`'s, compared in constant time.
    public func verify(_ token: String, job name: String) -> Bool {
        let expected = Array(self.token(job: name).utf8)
        let given = Array(token.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
