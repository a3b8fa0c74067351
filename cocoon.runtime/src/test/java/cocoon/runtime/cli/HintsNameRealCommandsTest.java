package cocoon.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every {@code cocoon <word>} a message tells the user to run names a command the CLI has. The hints
 * are collected from the string literals of every module's main sources, so a new hint is checked
 * the day it is written.
 */
class HintsNameRealCommandsTest {

    private static final Path REPO =
            Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
    /** The program's name, then a word: not "/var/lib/cocoon", "cocoon:", "cocoon.layers=" or "Cocoon". */
    private static final Pattern HINT = Pattern.compile("(?<![\\w/.-])cocoon ([a-z][a-z-]*)");

    @Test
    void everyCommandAHintNamesExists() throws IOException {
        Set<String> commands =
                Cli.commandLine(new CocoonCommand()).getSubcommands().keySet();
        List<String> hints = new ArrayList<>();
        Set<String> missing = new TreeSet<>();
        for (Path source : mainSources()) {
            for (String literal : stringLiterals(Files.readString(source))) {
                Matcher m = HINT.matcher(literal);
                while (m.find()) {
                    hints.add(m.group());
                    if (!commands.contains(m.group(1))) {
                        missing.add("'" + m.group() + "' in " + REPO.relativize(source) + ": \"" + literal + "\"");
                    }
                }
            }
        }
        assertTrue(hints.size() > 30 && hints.contains("cocoon gc"), "the scan finds the hints: " + hints);
        assertEquals(Set.of(), missing, "hints name commands that do not exist; commands are " + commands);
    }

    @Test
    void theScanReadsStringsNotCommentsOrCharacters() {
        String java = """
                // cocoon comment
                /* "cocoon block" */ char q = '"'; String a = "run \\"cocoon ps\\" now";
                String b = \"""
                    cocoon start x
                    \""";
                """;
        assertEquals(List.of("run \\\"cocoon ps\\\" now", "    cocoon start x\n    "), stringLiterals(java));
    }

    private static List<Path> mainSources() throws IOException {
        List<Path> sources = new ArrayList<>();
        try (Stream<Path> modules = Files.list(REPO)) {
            for (Path main : modules.map(m -> m.resolve("src/main/java"))
                    .filter(Files::isDirectory)
                    .toList()) {
                try (Stream<Path> files = Files.walk(main)) {
                    files.filter(f -> f.toString().endsWith(".java")).forEach(sources::add);
                }
            }
        }
        assertTrue(sources.size() > 50, "found the main sources under " + REPO + ": " + sources.size());
        return sources;
    }

    /** The bodies of the string literals and text blocks in Java source, escapes left as written. */
    static List<String> stringLiterals(String java) {
        List<String> literals = new ArrayList<>();
        int i = 0;
        while (i < java.length()) {
            if (java.startsWith("//", i)) {
                i = end(java.indexOf('\n', i), java);
            } else if (java.startsWith("/*", i)) {
                i = end(java.indexOf("*/", i + 2), java) + 2;
            } else if (java.startsWith("\"\"\"", i)) {
                int start = java.indexOf('\n', i) + 1;
                int close = closing(java, start, "\"\"\"");
                literals.add(java.substring(start, close));
                i = close + 3;
            } else if (java.charAt(i) == '"') {
                int close = closing(java, i + 1, "\"");
                literals.add(java.substring(i + 1, close));
                i = close + 1;
            } else if (java.charAt(i) == '\'') {
                i = closing(java, i + 1, "'") + 1;
            } else {
                i++;
            }
        }
        return literals;
    }

    /** Where {@code quote} closes what starts at {@code from}, skipping escaped characters. */
    private static int closing(String java, int from, String quote) {
        int i = from;
        while (i < java.length() && !java.startsWith(quote, i)) {
            i += java.charAt(i) == '\\' ? 2 : 1;
        }
        return i;
    }

    private static int end(int index, String java) {
        return index < 0 ? java.length() : index;
    }
}
