package dev.delta.protocol.wire;

/**
 * Text a peer chose (an ERROR's message, a key id) made safe to print in a log line: control
 * characters, which could end the line and forge the next one or drive the terminal, become
 * {@code \xNN} (or {@code \\uNNNN}), and a backslash is doubled so that the escapes stay
 * unambiguous.
 */
public final class PeerText {
    private PeerText() {
    }

    /** {@code s} with control characters and backslashes escaped. */
    public static String printable(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean escape = c == '\\' || Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
            if (escape && b == null) {
                b = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (b != null) {
                if (c == '\\') {
                    b.append("\\\\");
                } else if (escape) {
                    b.append(c < 0x100 ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
                } else {
                    b.append(c);
                }
            }
        }
        return b == null ? s : b.toString();
    }
}
