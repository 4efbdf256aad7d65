package dev.delta.protocol.wire;

/**
 * A decoded protocol message. Connection-level messages (handshake, CREDIT, PING, PONG, BYE) carry
 * request id 0; the others name the request they belong to. {@link Data} and {@link ManifestPart}
 * hold a reference-counted buffer and must be released by whoever consumes them.
 */
public sealed interface Message permits Hello, Challenge, Auth, HelloOk, Subscribe, Unsubscribe, Announce,
        GetManifest, ManifestPart, GetRanges, GetFiles, Data, Credit, ErrorMessage, Ping, Pong, Bye {
    /** The message type. */
    MessageType type();

    /** The request id, 0 for connection-level messages. */
    int requestId();

    /** Flags byte for the frame header. */
    default int flags() {
        return 0;
    }
}
