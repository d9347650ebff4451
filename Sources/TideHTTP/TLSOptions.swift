import CCurl
import CShims
import Foundation

/// `TLSSettings` as libcurl options on one easy handle.
enum TLSOptions {
    /// Sets the options; inline PEM is handed over as a blob libcurl copies,
    /// so nothing here must outlive the call.
    static func apply(_ tls: TLSSettings, to handle: UnsafeMutableRawPointer) {
        if tls.insecureSkipVerify {
            tide_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 0)
            tide_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 0)
        }
        set(tls.certificateAuthority, file: CURLOPT_CAINFO, blob: CURLOPT_CAINFO_BLOB, on: handle)
        set(tls.clientCertificate, file: CURLOPT_SSLCERT, blob: CURLOPT_SSLCERT_BLOB, on: handle)
        set(tls.clientKey, file: CURLOPT_SSLKEY, blob: CURLOPT_SSLKEY_BLOB, on: handle)
        if tls.clientCertificate != nil {
            "PEM".withCString { _ = tide_curl_setopt_pointer(handle, CURLOPT_SSLCERTTYPE, $0) }
        }
    }

    private static func set(_ pem: TLSSettings.PEM?, file: CURLoption, blob: CURLoption, on handle: UnsafeMutableRawPointer) {
        switch pem {
        case .file(let path)?:
            // libcurl copies string options.
            path.withCString { _ = tide_curl_setopt_pointer(handle, file, $0) }
        case .data(let bytes)?:
            var copy = [UInt8](bytes)
            copy.withUnsafeMutableBytes { buffer in
                var value = curl_blob(data: buffer.baseAddress, len: buffer.count, flags: UInt32(CURL_BLOB_COPY))
                _ = withUnsafePointer(to: &value) { tide_curl_setopt_pointer(handle, blob, $0) }
            }
        case nil:
            break
        }
    }
}
