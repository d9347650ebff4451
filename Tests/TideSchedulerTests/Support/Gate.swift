import Synchronization

/// Holds the first call that passes it once armed, until the test opens it:
/// how a test makes an exit land in the middle of a round's awaits.
final class Gate: Sendable {
    private struct State {
        var armed = false
        var held = false
        var passer: CheckedContinuation<Void, Never>?
        var watchers: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// The next call to `pass` waits until `open`.
    func arm() {
        state.withLock { $0 = State(armed: true) }
    }

    /// Called by the operation the gate guards: returns at once unless armed.
    func pass() async {
        await withCheckedContinuation { continuation in
            let resume: [CheckedContinuation<Void, Never>] = state.withLock { state in
                guard state.armed, !state.held else { return [continuation] }
                state.held = true
                state.passer = continuation
                defer { state.watchers = [] }
                return state.watchers
            }
            for waiting in resume { waiting.resume() }
        }
    }

    /// Returns once a call is held at the gate.
    func reached() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state in
                if state.held { return true }
                state.watchers.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Lets the held call go on; later calls pass.
    func open() {
        let passer = state.withLock { state in
            state.armed = false
            defer { state.passer = nil }
            return state.passer
        }
        passer?.resume()
    }
}
