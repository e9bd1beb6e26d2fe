import Foundation
import LookupLint

// `lookup-lint PATH...`: the rule over files and directories (LookupLintCommand).
exit(LookupLintCommand.run(Array(CommandLine.arguments.dropFirst()),
                           output: { print($0) },
                           errorOutput: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }))
