import Foundation

extension DeviceProfile {
    /// The profile as a `connector.toml`, naming the certificate, its password and the license
    /// authority's public key as files beside it (or the password's environment variable).
    public func connectorTOML(certificateFile: String, passwordFile: String?, passwordEnvironmentVariable: String = "FISCAL_CERT_PASSWORD",
                              trustedKeyFile: String) -> String {
        var lines = ["# connector.toml for device \(device.internalID) in business unit \(device.businessUnit), written by fiscal-admin (profile \(revision.prefix(12)))", ""]
        lines += ["[taxpayer]", "tin = \(Self.quoted(taxpayer.tin))", "name = \(Self.quoted(taxpayer.name))"]
        if let address = taxpayer.address { lines.append("address = \(Self.quoted(address))") }
        if let town = taxpayer.town { lines.append("town = \(Self.quoted(town))") }
        lines += ["country = \(Self.quoted(taxpayer.country))", "in_vat = \(taxpayer.inVAT)", ""]
        lines += ["[device]", "business_unit = \(Self.quoted(device.businessUnit))", "tcr_code = \(Self.quoted(device.tcrCode))",
                  "software_code = \(Self.quoted(device.softwareCode))"]
        if let maintainer = device.maintainerCode { lines.append("maintainer_code = \(Self.quoted(maintainer))") }
        lines += ["operator_code = \(Self.quoted(device.operatorCode))", "internal_id = \(Self.quoted(device.internalID))", ""]
        lines += ["[certificate]", "file = \(Self.quoted(certificateFile))"]
        if let passwordFile {
            lines.append("password_file = \(Self.quoted(passwordFile))")
        } else {
            lines.append("password_env = \(Self.quoted(passwordEnvironmentVariable))")
        }
        lines += ["", "[tax_authority]", "environment = \(Self.quoted(environment))", "url = \(Self.quoted(taxAuthorityURL))", ""]
        lines += ["[license]"]
        if let licenseToken { lines.append("token = \(Self.quoted(licenseToken))") }
        lines += ["trusted_keys = [\(Self.quoted(trustedKeyFile))]", ""]
        return lines.joined(separator: "\n")
    }

    /// A TOML basic string.
    static func quoted(_ text: String) -> String {
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\t": output += "\\t"
            case "\r": output += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    output += String(format: "\\u%04X", scalar.value)
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        return output + "\""
    }
}
