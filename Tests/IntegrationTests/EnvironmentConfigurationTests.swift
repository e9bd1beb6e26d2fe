import Foundation
import Testing

/// `ORDERS_…` variables with the real binary: they set its ports and faults, a flag wins over
/// its variable, and a bad value stops it with exit status 64 and the variable's name.
struct EnvironmentConfigurationTests {
    @Test func portVariablesChooseTheListeners() throws {
        let port = OTLPExportTests.closedPort()
        let adminPort = OTLPExportTests.closedPort()
        let server = try ServerProcess(environment: ["ORDERS_PORT": String(port), "ORDERS_ADMIN_PORT": String(adminPort)])
        #expect(server.port == port)
        #expect(server.adminPort == adminPort)
        #expect(try Curl.run(["http://127.0.0.1:\(port)/healthz"]).status == 200)
        #expect(try Curl.run(["http://127.0.0.1:\(adminPort)/debug/vars"]).status == 200)
    }

    @Test func aFlagWinsOverItsVariable() throws {
        let port = OTLPExportTests.closedPort()
        let unused = OTLPExportTests.closedPort()
        let server = try ServerProcess(["--port", String(port)], environment: ["ORDERS_PORT": String(unused)])
        #expect(server.port == port)
        #expect(try Curl.run(["http://127.0.0.1:\(port)/healthz"]).status == 200)
        #expect(try Curl.run(["http://127.0.0.1:\(unused)/healthz"]).status == 0, "nothing listens on the variable's port")
    }

    @Test func faultVariableTurnsOnEachFaultItLists() throws {
        let server = try ServerProcess(environment: ["ORDERS_FAULT": "missing-ok-check,stall"])
        let faults = try Curl.run(["http://127.0.0.1:\(server.adminPort)/debug/faults"])
        #expect(faults.status == 200)
        #expect(faults.body.contains(#""name":"missing-ok-check","enabled":true"#), "\(faults.body)")
        #expect(faults.body.contains(#""name":"stall","enabled":true"#), "\(faults.body)")
        #expect(faults.body.contains(#""name":"slow-inventory","enabled":false"#), "\(faults.body)")
    }

    @Test(arguments: [
        ("ORDERS_PORT", "abc", "--port"),
        ("ORDERS_FAULT", "nope", "--fault"),
        ("ORDERS_THREADS", "-1", "--threads"),
        ("ORDERS_H2C", "maybe", "h2c"),
    ])
    func badValueExits64NamingTheVariable(_ variable: String, _ value: String, _ flag: String) throws {
        let process = Process()
        process.executableURL = ServerProcess.binaryURL
        process.arguments = ["serve", "--host", "127.0.0.1", "--admin-port", "0"]
        process.environment = ProcessInfo.processInfo.environment.merging([variable: value]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = Pipe()
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 64, "\(text)")
        #expect(text.contains("\(variable)='\(value)' is invalid"), "\(text)")
        #expect(!text.contains(flag), "the message names the variable, not the flag: \(text)")
        #expect(!text.contains("listening"), "\(text)")
    }
}
