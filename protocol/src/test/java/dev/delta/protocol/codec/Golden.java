package dev.delta.protocol.codec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** Loads golden/frames.txt: message name to frame bytes. */
public final class Golden {
    private Golden() {
    }

    /** All golden frames in file order. */
    public static Map<String, byte[]> frames() throws IOException {
        Map<String, byte[]> m = new LinkedHashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                Golden.class.getResourceAsStream("/golden/frames.txt"), StandardCharsets.US_ASCII))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.trim().split("\\s+");
                m.put(parts[0], HexFormat.of().parseHex(parts[1]));
            }
        }
        return m;
    }
}
