/// How one delivery attempt of a queued document ended, in every market: the authority (tax
/// authority or TSE) accepted it, refused it for good, or gave no usable answer. Stored in the
/// journal by its raw value.
public enum AttemptOutcome: String, Sendable, Codable, Equatable {
    /// Accepted: the document is done.
    case fiscalized
    /// Refused for good: sending it again cannot help.
    case rejected
    /// No usable answer: the document stays pending and is delivered again.
    case failed

    /// Whether the document is settled by this attempt (no delivery after it).
    public var isFinal: Bool { self != .failed }
}
