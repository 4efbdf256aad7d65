import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Build step: asks chronicle-values for the source of the off-heap ("$$Native") classes that
 * Chronicle Map would otherwise generate and compile with javac at run time — about 2.5 s on the
 * first map a process opens. The engine compiles the generated sources into its jar; Chronicle
 * finds them by name on the class path and skips its runtime compilation.
 *
 * <p>Run by Maven (see engine/pom.xml) as
 * {@code java -cp <engine classpath> ChronicleNativeClasses.java <output source dir> <interface>...}.
 */
public final class ChronicleNativeClasses {
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        Class<?> valueModel = Class.forName("net.openhft.chronicle.values.ValueModel");
        Method acquire = valueModel.getMethod("acquire", Class.class);
        Method generate = Class.forName("net.openhft.chronicle.values.Generators")
                .getDeclaredMethod("generateNativeClass", valueModel, String.class);
        generate.setAccessible(true);
        for (int i = 1; i < args.length; i++) {
            Class<?> iface = Class.forName(args[i]);
            String simple = iface.getSimpleName() + "$$Native";
            String source = (String) generate.invoke(null, acquire.invoke(null, iface), simple);
            Path file = out.resolve(iface.getPackageName().replace('.', '/')).resolve(simple + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, source);
        }
    }
}
