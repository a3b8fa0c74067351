package cocoon.e2e.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The table {@code docs/reliability.md} is copied from: one row per case with what it checks and how
 * many of its runs passed, rewritten to {@code target/reliability-results.md} after every case, so a
 * suite that stops half-way still leaves the rows it ran. {@code mvn clean} starts the table afresh.
 */
final class Results {

    static final Path FILE = Path.of(System.getProperty("reliability.results", "target/reliability-results.md"));

    private static final List<String> ROWS = new ArrayList<>();

    private Results() {}

    /** A run of some cases only (e.g. {@code -Dtest=...}) updates their rows and keeps the others. */
    private static void keepEarlierRows() {
        try {
            if (Files.exists(FILE)) {
                Files.readAllLines(FILE).stream()
                        .filter(line -> line.startsWith("| ") && !line.startsWith("| area |"))
                        .forEach(ROWS::add);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One case: {@code passed} of {@code runs} runs held; {@code note} says what was observed (timings, kill points). */
    static synchronized void record(String area, String name, String checks, int runs, int passed, String note) {
        if (ROWS.isEmpty()) {
            keepEarlierRows();
        }
        String result = (passed == runs ? "pass" : "FAIL") + " (" + passed + "/" + runs + " runs)";
        String key = "| " + area + " | " + name + " |";
        ROWS.removeIf(row -> row.startsWith(key));
        ROWS.add(key + " " + checks.replace("\n", " ") + " | " + result + " | " + note.replace("\n", " ") + " |");
        StringBuilder table = new StringBuilder("""
                # Reliability suite results

                | area | case | what it checks | result | observed |
                | --- | --- | --- | --- | --- |
                """);
        ROWS.forEach(row -> table.append(row).append('\n'));
        try {
            Files.createDirectories(FILE.toAbsolutePath().getParent());
            Files.writeString(FILE, table);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
