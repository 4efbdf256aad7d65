package dev.delta.engine.plan;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.hash.Sha256;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;

import java.nio.ByteBuffer;
import java.util.List;

/** Builds manifests from symbolic chunks for plan tests: chunk "a" has id derived from "a" and a given length. */
final class Manifests {
    private Manifests() {
    }

    static final long MTIME = 1_700_000_000_000_000_000L;

    /** A file made of chunks named like "a:100" (name, length). */
    static Entry file(String path, String... chunks) {
        ChunkList.Builder b = ChunkList.builder();
        StringBuilder content = new StringBuilder();
        for (String c : chunks) {
            String[] p = c.split(":");
            b.add(Integer.parseInt(p[1]), idHi(p[0]), idLo(p[0]));
            content.append(c).append(';');
        }
        ChunkList list = b.build();
        return Entry.file(path, 0644, MTIME, list.totalLength(), Sha256.of(content.toString().getBytes()), list);
    }

    static long idHi(String name) {
        return ByteBuffer.wrap(Sha256.of(name.getBytes())).getLong(0);
    }

    static long idLo(String name) {
        return ByteBuffer.wrap(Sha256.of(name.getBytes())).getLong(8);
    }

    static Manifest manifest(long version, Entry... entries) {
        return new Manifest("site", version, version - 1, 0, ChunkerParams.DEFAULT, List.of(entries));
    }
}
