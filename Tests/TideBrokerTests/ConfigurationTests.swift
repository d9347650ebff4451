import Testing
import TideBroker

@Suite struct ConfigurationTests {
    @Test func parsesAFullURI() throws {
        let configuration = try BrokerConfiguration(uri: "amqp://tide:s3cret@rabbit.example:5673/prod")
        #expect(configuration.host == "rabbit.example")
        #expect(configuration.port == 5673)
        #expect(configuration.user == "tide")
        #expect(configuration.password == "s3cret")
        #expect(configuration.virtualHost == "prod")
    }

    @Test func defaultsPortAndVirtualHost() throws {
        for uri in ["amqp://guest:guest@localhost", "amqp://guest:guest@localhost/", "amqp://guest:guest@localhost/%2F"] {
            let configuration = try BrokerConfiguration(uri: uri)
            #expect(configuration.port == 5672, "\(uri)")
            #expect(configuration.virtualHost == "/", "\(uri)")
        }
        let anonymous = try BrokerConfiguration(uri: "amqp://127.0.0.1:5999")
        #expect(anonymous.user == "guest" && anonymous.password == "guest" && anonymous.port == 5999)
    }

    @Test func percentDecodesCredentialsAndVirtualHost() throws {
        let configuration = try BrokerConfiguration(uri: "amqp://us%40er:p%3Ass%2Fw%40rd@h:1234/my%2Fvhost")
        #expect(configuration.user == "us@er")
        #expect(configuration.password == "p:ss/w@rd")
        #expect(configuration.virtualHost == "my/vhost")
    }

    @Test func parsesIPv6Literals() throws {
        let configuration = try BrokerConfiguration(uri: "amqp://u:p@[::1]:5680/")
        #expect(configuration.host == "::1")
        #expect(configuration.port == 5680)
    }

    @Test(arguments: [
        ("localhost:5672", "missing \"amqp://\""),
        ("http://guest:guest@localhost/", "scheme must be amqp"),
        ("amqps://guest:guest@localhost/", "amqps (TLS) is not supported"),
        ("amqp://guest:guest@/", "host is empty"),
        ("amqp://guest:guest@localhost:notaport/", "port \"notaport\" is not a number"),
        ("amqp://guest:guest@localhost:70000/", "port \"70000\" is not a number from 1 to 65535"),
        ("amqp://guest:guest@localhost:/", "port \"\" is not a number"),
        ("amqp://:pw@localhost/", "user name is empty"),
        ("amqp://guest:guest@localhost/%zz", "virtual host is badly percent-encoded"),
        ("amqp://guest:guest@localhost/?heartbeat=5", "query parameters are not supported"),
    ])
    func rejectsBadURIsNamingTheProblem(uri: String, expected: String) {
        #expect {
            try BrokerConfiguration(uri: uri)
        } throws: { error in
            guard case .invalidURI(_, let reason) = error as? BrokerError else { return false }
            return reason.contains(expected)
        }
    }

    @Test func errorsNeverShowThePassword() {
        #expect {
            try BrokerConfiguration(uri: "amqp://guest:topsecret@localhost:99999/")
        } throws: { error in
            "\(error)".contains("invalid AMQP URI") && !"\(error)".contains("topsecret")
        }
        let configuration = BrokerConfiguration(host: "h", password: "topsecret")
        #expect(!configuration.redactedURI.contains("topsecret"))
    }
}
