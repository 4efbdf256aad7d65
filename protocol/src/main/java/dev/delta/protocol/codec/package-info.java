/**
 * Netty codecs: {@link dev.delta.protocol.codec.FrameDecoder} cuts and parses frames,
 * {@link dev.delta.protocol.codec.MessageEncoder} writes them, and
 * {@link dev.delta.protocol.codec.DataDecompressor} turns LZ4 DATA content back into raw bytes.
 * Bad input raises only {@link io.netty.handler.codec.CorruptedFrameException} or
 * {@link io.netty.handler.codec.TooLongFrameException}.
 */
package dev.delta.protocol.codec;
