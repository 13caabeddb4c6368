/** Clean-up for the RabbitMQ beat coordination tests on the shared broker. */
import { beatCoordinationQueues } from '@celeriac/amqp';
import { connect } from 'amqplib';

/** Delete the coordination queues of the given namespaces, and the queues in `extra`. */
export async function deleteBeatQueues(
  url: string,
  namespaces: readonly string[],
  extra: readonly string[] = [],
): Promise<void> {
  const model = await connect(url);
  try {
    const channel = await model.createChannel();
    for (const ns of namespaces) {
      const { leader, commands } = beatCoordinationQueues(ns);
      await channel.deleteQueue(leader);
      await channel.deleteQueue(commands);
    }
    for (const queue of extra) await channel.deleteQueue(queue);
  } finally {
    await model.close();
  }
}
