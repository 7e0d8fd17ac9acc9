package io.distillab.training.cuda;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Launches and device milliseconds by launch name ({@link LaunchProfile}'s sums), and their table. */
public final class LaunchTotals {
    /** One launch name: how often it ran and its device time in all. */
    public record Entry(String name, long launches, double millis) {
    }

    private final Map<String, double[]> byName = new LinkedHashMap<>();

    public void add(String name, double millis) {
        double[] t = byName.computeIfAbsent(name, n -> new double[2]);
        t[0]++;
        t[1] += millis;
    }

    /** The names, most device time first (ties: by name). */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        byName.forEach((name, t) -> out.add(new Entry(name, (long) t[0], t[1])));
        out.sort(Comparator.comparingDouble(Entry::millis).reversed().thenComparing(Entry::name));
        return out;
    }

    public double millis() {
        return byName.values().stream().mapToDouble(t -> t[1]).sum();
    }

    public long launches() {
        return byName.values().stream().mapToLong(t -> (long) t[0]).sum();
    }

    /**
     * A Markdown table per step over {@code steps} profiled steps: the {@code top} names by device
     * time, then one row for the rest, then the total; each row's launches and milliseconds per step
     * and its share of the device time.
     */
    public String table(int steps, int top) {
        StringBuilder sb = new StringBuilder("| launch | launches / step | device ms / step | share |\n|---|---|---|---|\n");
        List<Entry> all = entries();
        double total = millis();
        long restLaunches = 0;
        double restMillis = 0;
        for (int i = 0; i < all.size(); i++) {
            Entry e = all.get(i);
            if (i < top) {
                sb.append(row(e.name(), e.launches(), e.millis(), steps, total));
            } else {
                restLaunches += e.launches();
                restMillis += e.millis();
            }
        }
        if (all.size() > top) {
            sb.append(row("(" + (all.size() - top) + " others)", restLaunches, restMillis, steps, total));
        }
        sb.append(row("**all**", launches(), total, steps, total));
        return sb.toString();
    }

    private static String row(String name, long launches, double millis, int steps, double total) {
        return String.format(Locale.ROOT, "| %s | %.1f | %.3f | %.1f%% |\n", name, (double) launches / steps,
                millis / steps, total > 0 ? 100 * millis / total : 0);
    }
}
