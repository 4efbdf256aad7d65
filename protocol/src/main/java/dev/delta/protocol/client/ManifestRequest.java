package dev.delta.protocol.client;

import dev.delta.protocol.wire.GetManifest;
import dev.delta.protocol.wire.ManifestPart;
import dev.delta.protocol.wire.Message;

/** A GET_MANIFEST: checks the part sequence and lengths and feeds a {@link ManifestSink}. */
final class ManifestRequest extends Pending<ManifestHeader> {
    private final String dataset;
    private final long version;
    private final long haveVersion;
    private final ManifestSink sink;
    private final long maxBytes;
    private ManifestHeader header;
    private long received;

    ManifestRequest(String dataset, long version, long haveVersion, ManifestSink sink, long maxBytes) {
        this.dataset = dataset;
        this.version = version;
        this.haveVersion = haveVersion;
        this.sink = sink;
        this.maxBytes = maxBytes;
    }

    @Override
    Message request(int requestId) {
        return new GetManifest(requestId, dataset, version, haveVersion);
    }

    @Override
    boolean onManifest(ManifestPart p) throws DeltaException {
        if (p.first() != (header == null)) {
            throw protocol(header == null ? "MANIFEST stream without a first part" : "second first MANIFEST part");
        }
        try {
            if (header == null) {
                if (p.totalLength() > maxBytes) {
                    throw new DeltaException(ErrorKind.LIMIT_EXCEEDED, "manifest of " + p.totalLength()
                            + " bytes exceeds limit " + maxBytes);
                }
                if (version != 0 && p.version() != version) {
                    throw protocol("asked for version " + version + ", MANIFEST describes " + p.version());
                }
                header = new ManifestHeader(p.kind(), p.version(), p.totalLength(), p.rootDigest());
                sink.begin(header);
            }
            received += p.content().readableBytes();
            if (received > header.length()) {
                throw protocol("MANIFEST parts exceed the declared " + header.length() + " bytes");
            }
            sink.part(p.content().nioBuffer().asReadOnlyBuffer());
        } catch (DeltaException e) {
            throw e;
        } catch (Exception e) {
            throw new DeltaException(ErrorKind.HANDLER_FAILED, "manifest sink failed: " + e.getMessage(), e);
        }
        if (!p.last()) {
            return false;
        }
        if (received != header.length()) {
            throw protocol("MANIFEST ended after " + received + " of " + header.length() + " bytes");
        }
        future.complete(header);
        return true;
    }
}
