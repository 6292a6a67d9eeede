import CZlib
import Foundation

/// Decompresses a gzip file fed to it in pieces of any size (zlib's streaming inflate), so that a
/// compressed JSON Lines file is read without being unpacked on disk or held whole in memory.
///
/// A file made of several gzip members one after the other (what `cat a.gz b.gz` gives, and what
/// `gzip` itself reads as one file) decompresses to their concatenation.
///
/// ```swift
/// let inflater = try GzipInflater()
/// for chunk in chunks { output.append(contentsOf: try inflater.inflate(chunk)) }
/// try inflater.finish()
/// ```
public final class GzipInflater {
    /// Why the compressed bytes cannot be decompressed.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        /// The bytes are not gzip data, or are damaged; zlib's reason.
        case corrupt(String)
        /// The file ends inside a gzip member (a truncated download or copy).
        case truncated

        public var description: String {
            switch self {
            case .corrupt(let reason): return "is not valid gzip data (\(reason))"
            case .truncated: return "ends in the middle of its gzip data (the file is cut short)"
            }
        }
    }

    private var stream = z_stream()
    /// Whether the current member has not reached its end yet.
    private var insideMember = false
    private var output: [UInt8]

    /// A decompressor for gzip data (a zlib header is accepted too), producing at most `outputBufferSize`
    /// bytes per call into zlib.
    public init(outputBufferSize: Int = 1 << 18) throws {
        output = [UInt8](repeating: 0, count: max(1, outputBufferSize))
        // 15 + 32: the largest window, and detect a gzip or zlib header by itself.
        let status = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw Problem.corrupt("zlib could not start: status \(status)") }
    }

    deinit { inflateEnd(&stream) }

    /// The decompressed bytes of the next piece of the compressed file.
    /// - Throws: ``Problem/corrupt(_:)`` when the bytes are not gzip data.
    public func inflate(_ compressed: Data) throws -> [UInt8] {
        var result: [UInt8] = []
        try compressed.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard let base = raw.bindMemory(to: Bytef.self).baseAddress else { return }
            stream.next_in = UnsafeMutablePointer(mutating: base)
            stream.avail_in = uInt(raw.count)
            // Until every input byte is used and zlib holds no more output (a full buffer may hide more).
            repeat {
                if stream.avail_in > 0 { insideMember = true }
                let status = output.withUnsafeMutableBufferPointer { buffer -> Int32 in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = output.count - Int(stream.avail_out)
                result.append(contentsOf: output[0..<produced])
                switch status {
                case Z_OK:
                    break
                case Z_STREAM_END:
                    // One member ends; another may follow in the same file.
                    insideMember = false
                    guard inflateReset(&stream) == Z_OK else { throw Problem.corrupt("zlib could not restart") }
                case Z_BUF_ERROR where stream.avail_in == 0:
                    return  // no input left and nothing more to give
                default:
                    let reason = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                    throw Problem.corrupt(reason)
                }
            } while stream.avail_in > 0 || stream.avail_out == 0
        }
        stream.next_in = nil
        return result
    }

    /// Checks that the file ended where a gzip member ends.
    /// - Throws: ``Problem/truncated`` when it stopped inside one.
    public func finish() throws {
        if insideMember { throw Problem.truncated }
    }
}
