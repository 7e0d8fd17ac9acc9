package io.distillab.judge.support;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Every log record, message and stack trace, written while it is open (all loggers, all levels). */
public final class CapturedLogs extends Handler implements AutoCloseable {
    private final List<String> records = new ArrayList<>();
    private final Logger root = Logger.getLogger("");

    public CapturedLogs() {
        setLevel(Level.ALL);
        root.addHandler(this);
    }

    @Override
    public synchronized void publish(LogRecord record) {
        StringBuilder sb = new StringBuilder(record.getLoggerName() + " " + record.getMessage());
        if (record.getParameters() != null) {
            for (Object p : record.getParameters()) {
                sb.append(' ').append(p);
            }
        }
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            sb.append('\n').append(trace);
        }
        records.add(sb.toString());
    }

    public synchronized List<String> records() {
        return List.copyOf(records);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        root.removeHandler(this);
    }
}
