// tessera: the command line over Tessera.
//
//   tessera keygen --alg ALG [--kid KID] --private FILE [--public FILE]
//   tessera jwk --alg ALG --key FILE [--kid KID]
//   tessera jwks --key ALG:FILE[:KID] …
//   tessera sign --alg ALG --key FILE [--kid KID] [--ttl S] [--jti] [--nbf] CLAIMS|-
//   tessera verify --alg ALG --key FILE [--aud A] [--iss I] [--sub S] [--leeway N]
//                  [--max-lifetime N] [--require CLAIM …] TOKEN|-
//   tessera decode TOKEN|-
//   tessera credential --secret-file FILE --peer ID [--ttl N] [--timestamp T]
//   tessera token agora-rtc|agora-rtm|trtc|janus|livekit|twilio|vonage|zoom|jaas|stream|100ms|daily …
//   tessera token verify-agora|verify-trtc|verify-janus …
//
// Results go to stdout; errors are one line on stderr ("tessera: …") with
// exit status 1 (64 for a usage error).
import ArgumentParser
import CTesseraABI
import Glibc

@main
struct Tessera: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tessera",
        abstract: "Make keys, sign, verify and decode JSON Web Tokens, and mint SkyWay credentials.",
        discussion: """
            Keys are files: PEM or DER (PKCS#8, PKCS#1, SEC1, SPKI) or a JWK for RS/PS/ES/EdDSA; \
            for HS256/384/512 the secret's raw bytes exactly as stored (no trailing newline is \
            removed), or an "oct" JWK. Results go to standard output; errors are one line on \
            standard error, with exit status 1 (64 for a usage error).
            """,
        version: String(cString: tessera_version_string()),
        subcommands: [Keygen.self, JWKCommand.self, JWKSCommand.self, Sign.self, Verify.self, Decode.self,
                      CredentialCommand.self, TokenCommand.self]
    )

    /// As ParsableCommand's main, but every error is one line.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            fail(error)
        }
    }

    private static func fail(_ error: Error) -> Never {
        let code = exitCode(for: error)
        if code == .success {  // --help, --version
            print(fullMessage(for: error))
            Glibc.exit(0)
        }
        printError(oneLine((error as? CLIError)?.description ?? message(for: error)))
        Glibc.exit(code.rawValue)
    }

    /// ArgumentParser's messages may list choices on lines of their own
    /// ("- HS256"): fold them into the sentence, separated by commas.
    static func oneLine(_ text: String) -> String {
        var sentence: [String] = [], items: [String] = []
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingPrefix(while: { $0 == " " })
            if trimmed.hasPrefix("- ") { items.append(String(trimmed.dropFirst(2))) } else { sentence.append(String(trimmed)) }
        }
        let head = sentence.joined(separator: " ")
        return items.isEmpty ? head : head + " " + items.joined(separator: ", ")
    }
}
