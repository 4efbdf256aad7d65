package dev.delta.node.cli;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;

/** JSON output for commands: a streaming generator over the command's output. */
final class Json {
    private static final JsonFactory FACTORY = new JsonFactory();

    private Json() {
    }

    /** A pretty-printing generator writing to {@code out}; closing it does not close {@code out}. */
    static JsonGenerator generator(PrintWriter out) throws IOException {
        JsonGenerator g = FACTORY.createGenerator(new NonClosingWriter(out));
        g.useDefaultPrettyPrinter();
        return g;
    }

    static JsonGenerator generator(OutputStream out) throws IOException {
        JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8);
        g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        g.useDefaultPrettyPrinter();
        return g;
    }

    private static final class NonClosingWriter extends Writer {
        private final PrintWriter out;

        NonClosingWriter(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void write(char[] cbuf, int off, int len) {
            out.write(cbuf, off, len);
        }

        @Override
        public void flush() {
            out.flush();
        }

        @Override
        public void close() {
            out.println();
            out.flush();
        }
    }
}
