extension TaskProfile {
    static func header(_ writer: inout TaskProfileWriter, total: Int, query: TaskProfileQuery) {
        writer.write("task profile: total " as StaticString)
        writer.write(total)
        writer.write(byte: 0x0A)
        if let seconds = query.seconds {
            writer.write("# only tasks created in the last " as StaticString)
            writer.write(seconds)
            writer.write("s and still alive\n" as StaticString)
        }
    }

    static func writeSite(_ writer: inout TaskProfileWriter, _ site: TaskSite) {
        writer.write(site.fileID)
        writer.write(byte: UInt8(ascii: ":"))
        writer.write(UInt64(site.line))
        writer.write(byte: UInt8(ascii: " "))
        writer.write(site.function)
    }

    static func writeState(_ writer: inout TaskProfileWriter, _ state: TaskState) {
        if let reason = state.waitReason {
            writer.write("waiting(" as StaticString)
            writer.write(reason)
            writer.write(byte: UInt8(ascii: ")"))
        } else {
            writer.write("running" as StaticString)
        }
    }

    static func writeLabels(_ writer: inout TaskProfileWriter, _ labels: TaskLabels) {
        var first = true
        for (key, value) in labels {
            if !first { writer.write(byte: UInt8(ascii: " ")) }
            first = false
            writer.write(key)
            writer.write(byte: UInt8(ascii: "="))
            // Quoted with JSON escaping, so a value cannot forge a line.
            writer.writeJSONString(value)
        }
    }

    static func writeGroup(_ writer: inout TaskProfileWriter, _ group: TaskGroup, snapshot: TaskSnapshot, leak: Bool) {
        writer.write(group.count)
        writer.write(" @ " as StaticString)
        writeSite(&writer, group.key.site)
        writer.write("\n#\tname=" as StaticString)
        writer.write(group.key.name)
        writer.write(" state=" as StaticString)
        writeState(&writer, group.key.state)
        if leak {
            writer.write(" longest_wait=" as StaticString)
            writer.writeAge(snapshot.takenAt.since(group.longestWaitSince))
        }
        writer.write(" oldest=" as StaticString)
        writer.writeAge(snapshot.takenAt.since(group.oldestCreatedAt))
        writer.write(byte: 0x0A)
        if !group.labels.isEmpty {
            writer.write("#\tlabels: " as StaticString)
            writeLabels(&writer, group.labels)
            writer.write(byte: 0x0A)
        }
        writer.write(byte: 0x0A)
    }

    /// `debug=1`:
    ///
    ///     task profile: total 1042
    ///     512 @ OrderService/StockValidator.swift:42 validate(ids:)
    ///     #	name=stock-validation state=waiting(stock-reply) oldest=2m13s
    ///     #	labels: route="/api/v1/order/map"
    static func text(groups: [TaskGroup], total: Int, query: TaskProfileQuery, snapshot: TaskSnapshot) -> [UInt8] {
        var writer = TaskProfileWriter(capacity: 64 + groups.count * 160)
        header(&writer, total: total, query: query)
        for group in groups { writeGroup(&writer, group, snapshot: snapshot, leak: false) }
        return writer.bytes
    }

    /// `view=leaks`: like `debug=1`, with the threshold and the longest wait.
    static func text(leaks groups: [TaskGroup], total: Int, query: TaskProfileQuery, snapshot: TaskSnapshot) -> [UInt8] {
        var writer = TaskProfileWriter(capacity: 128 + groups.count * 180)
        writer.write("task leaks: total " as StaticString)
        writer.write(total)
        writer.write(" waiting at least " as StaticString)
        writer.writeAge(query.leakThreshold)
        writer.write(byte: 0x0A)
        if let seconds = query.seconds {
            writer.write("# only tasks created in the last " as StaticString)
            writer.write(seconds)
            writer.write("s and still alive\n" as StaticString)
        }
        for group in groups { writeGroup(&writer, group, snapshot: snapshot, leak: true) }
        return writer.bytes
    }

    /// `debug=2`:
    ///
    ///     task 3:1042 stock-validation [waiting(stock-reply) for 2m13s, age 2m14s]
    ///     	parent: 3:1040
    ///     	orphaned 2m12s ago: its request ended with status 500
    ///     	labels: route="/api/v1/order/map" request_id="5f3a9c01-1f"
    ///     	created at OrderService/StockValidator.swift:42 validate(ids:)
    static func text(tasks: [TaskInfo], query: TaskProfileQuery, snapshot: TaskSnapshot) -> [UInt8] {
        var writer = TaskProfileWriter(capacity: 64 + tasks.count * 200)
        header(&writer, total: tasks.count, query: query)
        for task in tasks {
            writer.write("\ntask " as StaticString)
            writer.write(task.id)
            writer.write(byte: UInt8(ascii: " "))
            writer.write(task.name)
            writer.write(" [" as StaticString)
            writeState(&writer, task.state)
            writer.write(" for " as StaticString)
            writer.writeAge(snapshot.stateAge(of: task))
            writer.write(", age " as StaticString)
            writer.writeAge(snapshot.age(of: task))
            writer.write("]\n\tparent: " as StaticString)
            if let parent = task.parent { writer.write(parent) } else { writer.write("none" as StaticString) }
            if task.isDetached { writer.write(" (detached)" as StaticString) }
            writer.write(byte: 0x0A)
            if let orphaning = task.orphaning {
                writer.write("\torphaned " as StaticString)
                writer.writeAge(snapshot.takenAt.since(orphaning.orphanedAt))
                writer.write(" ago: its request ended with status " as StaticString)
                writer.write(UInt64(orphaning.requestStatus))
                writer.write(byte: 0x0A)
            }
            if !task.labels.isEmpty {
                writer.write("\tlabels: " as StaticString)
                writeLabels(&writer, task.labels)
                writer.write(byte: 0x0A)
            }
            writer.write("\tcreated at " as StaticString)
            writeSite(&writer, task.site)
            writer.write(byte: 0x0A)
            if let backtrace = task.backtrace {
                writer.write("\tbacktrace:\n" as StaticString)
                for frame in backtrace.symbolicatedFrames() {
                    writer.write("\t\t" as StaticString)
                    writer.write(frame)
                    writer.write(byte: 0x0A)
                }
            }
        }
        return writer.bytes
    }
}
