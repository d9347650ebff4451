import Foundation
import PropertyBased
import TideKube
import Testing

@Suite struct QuantityTests {
    @Test(arguments: [
        ("100m", Decimal(string: "0.1")!), ("16Gi", Decimal(17_179_869_184)), ("1.5", Decimal(string: "1.5")!),
        ("2e3", Decimal(2000)), ("4", Decimal(4)), ("1Ki", Decimal(1024)), ("500M", Decimal(500_000_000)),
        ("-2", Decimal(-2)), ("+3k", Decimal(3000)), ("1E-2", Decimal(string: "0.01")!), ("0.5Gi", Decimal(536_870_912)),
        ("250u", Decimal(string: "0.00025")!), ("1Ei", Decimal(string: "1152921504606846976")!),
    ])
    func parsesExactly(text: String, expected: Decimal) throws {
        #expect(try Quantity(text).value == expected)
    }

    @Test(arguments: ["", "m", "1.2.3", "1Gb", "1 Gi", "Gi", "1ki", "0x10", "1e", "1e3.5", "१"])
    func refusesWhatTheAPIServerRefuses(text: String) {
        #expect(throws: QuantityError.self) { try Quantity(text) }
    }

    @Test func theErrorNamesTheSuffix() {
        #expect(throws: QuantityError(text: "1Gb", reason: "has an unknown suffix 'Gb' (use Ki, Mi, Gi, Ti, Pi, Ei, n, u, m, k, M, G, T, P, E or e<exponent>)")) {
            try Quantity("1Gb")
        }
    }

    @Test func integersAndMillisRoundUpAsTheAPIServerDoes() throws {
        #expect(try Quantity("100m").milliValue == 100)
        #expect(try Quantity("1.0001").milliValue == 1001)
        #expect(try Quantity("1500m").ceilingInteger == 2)
        #expect(try Quantity("2").isInteger && !(try Quantity("1500m").isInteger))
        #expect(try Quantity("8").ceilingInteger == 8)
    }

    @Test func equalAmountsInDifferentFormsCompareEqual() throws {
        #expect(try Quantity("1Ki") == (try Quantity("1024")))
        #expect(try Quantity("1k") == (try Quantity("1e3")))
        #expect(try Quantity("0.1") == (try Quantity("100m")))
        #expect(try Quantity("1Gi") > (try Quantity("1G")))
    }

    @Test func arbitraryTextNeverCrashesTheParser() async {
        // Pieces of quantities and of what is not one, glued at random.
        let pieces = ["0", "1", "9", ".", "-", "+", "e", "E", "m", "k", "Ki", "Gi", "i", " ", "x", "१", "\u{0}", "99999999999"]
        let text = Gen.element(of: pieces).array(of: 0...10).map { $0.compactMap { $0 }.joined() }
        await propertyCheck(count: 2_000, input: text) { text in
            if let quantity = try? Quantity(text) { #expect(quantity.text == text) }
        }
    }

    @Test func wholeNumbersWithEverySuffixRoundTrip() async {
        let suffixes: [(String, Decimal)] = [("", 1), ("k", 1000), ("M", 1_000_000), ("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824)]
        await propertyCheck(count: 1_000, input: Gen.int(in: 0...1_000_000), Gen.int(in: 0...(suffixes.count - 1))) { number, pick in
            let (suffix, factor) = suffixes[pick]
            #expect((try? Quantity("\(number)\(suffix)"))?.value == Decimal(number) * factor)
        }
    }
}
