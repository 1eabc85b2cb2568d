internal import COpenSSL

/// AES-256-GCM through OpenSSL, for the master key's sealed secrets and the device envelopes:
/// a 32-byte key, a 12-byte nonce, additional data bound to the ciphertext, a 16-byte tag.
package enum AESGCM {
    /// Encrypts (returning ciphertext and tag) or decrypts (returning plaintext); nil (error queue cleared) on any failure, including a tag that does not verify.
    package static func run(encrypt: Bool, key: [UInt8], nonce: [UInt8], aad: [UInt8], input: [UInt8], tag: [UInt8]?) -> ([UInt8], [UInt8])? {
        guard let ctx = EVP_CIPHER_CTX_new() else {
            ERR_clear_error()
            return nil
        }
        defer { EVP_CIPHER_CTX_free(ctx) }
        let result = run(ctx, encrypt: encrypt, key: key, nonce: nonce, aad: aad, input: input, tag: tag)
        if result == nil { ERR_clear_error() }
        return result
    }

    private static func run(_ ctx: OpaquePointer, encrypt: Bool, key: [UInt8], nonce: [UInt8], aad: [UInt8], input: [UInt8], tag: [UInt8]?) -> ([UInt8], [UInt8])? {
        guard key.count == 32, nonce.count == 12,
              EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), nil, key, nonce, encrypt ? 1 : 0) == 1 else { return nil }
        // EVP takes Int32 lengths: feed large inputs in chunks.
        let chunk = 1 << 20
        var length: Int32 = 0
        for start in stride(from: 0, to: aad.count, by: chunk) {
            let ok = aad.withUnsafeBufferPointer { buffer in
                EVP_CipherUpdate(ctx, nil, &length, buffer.baseAddress! + start, Int32(min(chunk, aad.count - start)))
            }
            guard ok == 1 else { return nil }
        }
        var output = [UInt8](repeating: 0, count: input.count + 16)
        var written = 0
        for start in stride(from: 0, to: input.count, by: chunk) {
            var produced: Int32 = 0
            let ok = input.withUnsafeBufferPointer { source in
                output.withUnsafeMutableBufferPointer { target in
                    EVP_CipherUpdate(ctx, target.baseAddress! + written, &produced, source.baseAddress! + start, Int32(min(chunk, input.count - start)))
                }
            }
            guard ok == 1 else { return nil }
            written += Int(produced)
        }
        if var expected = tag {
            guard expected.count == 16,
                  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, Int32(16), &expected) == 1 else { return nil }
        }
        var final: Int32 = 0
        let finished = output.withUnsafeMutableBufferPointer { EVP_CipherFinal_ex(ctx, $0.baseAddress! + written, &final) }
        guard finished == 1 else { return nil }
        output.removeSubrange((written + Int(final))...)
        var producedTag = [UInt8](repeating: 0, count: 16)
        if encrypt {
            guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, Int32(16), &producedTag) == 1 else { return nil }
        }
        return (output, producedTag)
    }

}
