public import FiscalCore
public import MontenegroFiscal

/// The inspector's re-computation of an IIC from its seven inputs and the issuer's certificate.
public struct IICComputation: Sendable, Codable, Equatable {
    /// The IIC, 32 hex characters.
    public let iic: String
    /// The IIC signature, 512 hex characters.
    public let iicSignature: String

    enum CodingKeys: String, CodingKey {
        case iic, iicSignature = "iic_signature"
    }

    /// Signs `input` with `identity`; the input's TIN must be the certificate's.
    public static func compute(_ input: IICInput, identity: SigningIdentity) throws(ValidationError) -> IICComputation {
        if let tin = identity.certificate.taxpayerTIN, tin.value != input.tin {
            throw ValidationError([ValidationIssue(.sellerMismatch, field: "tin", "'\(input.tin)' differs from the TIN \(tin.value) in the certificate: an IIC can only be recomputed with the issuer's own certificate")])
        }
        let iic = IIC(input: input, identity: identity)
        return IICComputation(iic: iic.code, iicSignature: iic.signature)
    }
}
