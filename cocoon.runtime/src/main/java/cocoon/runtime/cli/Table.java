package cocoon.runtime.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** A left-aligned text table with three spaces between columns, as Docker prints them. */
final class Table {

    private final List<String[]> rows = new ArrayList<>();

    Table(String... headers) {
        rows.add(headers);
    }

    Table row(String... cells) {
        rows.add(cells);
        return this;
    }

    void print(PrintStream out) {
        int columns = rows.get(0).length;
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], row[c] == null ? 1 : row[c].length());
            }
        }
        StringBuilder text = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                String cell = row[c] == null ? "-" : row[c];
                line.append(cell);
                if (c < columns - 1) {
                    line.append(" ".repeat(widths[c] - cell.length() + 3));
                }
            }
            text.append(line.toString().stripTrailing()).append('\n');
        }
        out.print(text);
        out.flush();
    }
}
