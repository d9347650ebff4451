import Testing
import TideSimulation

@Suite struct OutputTests {
    func results() throws -> [SimulationResult] {
        try ["fifo", "tide"].map {
            try ClusterSimulator.run(HandComputedTests.jobs, config: SimulationConfig(policy: $0, nodes: 1, gpusPerNode: 4))
        }
    }

    @Test func theTableHasOneAlignedRowPerPolicy() throws {
        let lines = ResultTable.render(try results()).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[1].hasPrefix("fifo") && lines[2].hasPrefix("tide"))
        #expect(Set(lines.map(\.count)).count == 1)
        #expect(lines[1].contains("3m57s"))  // fifo's 236.7 s average
    }

    @Test(arguments: [(28.0, "28s"), (65, "1m5s"), (7_380, "2h3m"), (0.4, "0s")])
    func durationsReadLikeTheSpec(seconds: Double, text: String) {
        #expect(ResultTable.duration(seconds) == text)
    }

    @Test func thePlotIsAnSVGWithOneCurvePerPolicyAndALegend() throws {
        let svg = JCTPlot.svg(try results(), title: "three jobs")
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 2)
        #expect(svg.contains(">fifo (avg") && svg.contains(">tide (avg"))
        #expect(svg.contains("log scale"))
    }
}
