/// The tax authority's two environments.
public enum EFIEnvironment: String, Sendable, Hashable, Codable, CaseIterable {
    /// efitest: invoices are not legally fiscalized.
    case test
    /// Production: invoices are legally fiscalized.
    case production

    /// The tax authority's own TIN (UPC), carried by the certificate that signs its answers.
    public static let taxAuthorityTIN = "11044760"

    /// The SOAP endpoint.
    public var serviceURL: String {
        switch self {
        case .test: "https://efitest.tax.gov.me/fs-v1"
        case .production: "https://efi.tax.gov.me/fs-v1"
        }
    }

    /// The public verification page the receipt's QR code points to.
    public var verificationURL: String {
        switch self {
        case .test: "https://efitest.tax.gov.me/ic/#/verify"
        case .production: "https://mapr.tax.gov.me/ic/#/verify"
        }
    }
}

/// The verification URL printed as a QR code on every receipt, also one issued without FIC.
public enum VerificationURL {
    /// `…/ic/#/verify?iic=…&tin=…&crtd=…&ord=…&bu=…&cr=…&sw=…&prc=…`, with each value
    /// percent-encoded (the `+` of the time offset becomes `%2B`, so no reader turns it into a space).
    public static func make(environment: EFIEnvironment, iic: String, input: IICInput) -> String {
        let parameters: [(String, String)] = [
            ("iic", iic), ("tin", input.tin), ("crtd", input.issuedAt), ("ord", input.ordinal),
            ("bu", input.businessUnit), ("cr", input.tcr), ("sw", input.software), ("prc", input.totalPrice),
        ]
        return environment.verificationURL + "?" + parameters.map { "\($0.0)=\(encode($0.1))" }.joined(separator: "&")
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters and `:`.
    static func encode(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F, 0x7E, 0x3A:
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(2)
            }
        }
        return out
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
