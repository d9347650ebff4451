import Foundation
import TideKube
import Testing

@Suite struct KubeErrorTests {
    @Test func aStatusBodyGivesReasonAndMessage() {
        let body = Data(#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"w-0\" not found","reason":"NotFound","details":{"name":"w-0","kind":"pods"},"code":404}"#.utf8)
        let error = KubeAPIError(code: 404, body: body, request: "GET /api/v1/namespaces/tide/pods/w-0")
        #expect(error.isNotFound && error.reason == "NotFound")
        #expect(error.description == #"GET /api/v1/namespaces/tide/pods/w-0: 404 NotFound: pods "w-0" not found"#)
    }

    @Test func anExpiredWatchIsGoneWhateverTheCode() {
        let body = Data(#"{"kind":"Status","status":"Failure","message":"too old resource version: 1 (2)","reason":"Expired","code":410}"#.utf8)
        #expect(KubeAPIError(code: 200, body: body, request: "watch pods").isGone)
    }

    @Test func aForbiddenAnswerPointsAtRBAC() {
        let body = Data(#"{"kind":"Status","status":"Failure","message":"nodes is forbidden: User \"system:serviceaccount:tide:tide\" cannot list resource \"nodes\"","reason":"Forbidden","code":403}"#.utf8)
        #expect(KubeAPIError(code: 403, body: body, request: "GET /api/v1/nodes").description.contains("RBAC"))
    }

    @Test func aBodyThatIsNotAStatusIsQuoted() {
        let error = KubeAPIError(code: 502, body: Data("<html>Bad Gateway</html>".utf8), request: "GET /api/v1/nodes")
        #expect(error.reason == nil && error.message == "<html>Bad Gateway</html>")
        #expect(KubeAPIError(code: 503, body: Data(), request: "x").isRetryable)
    }
}
