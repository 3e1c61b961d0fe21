/**
 * Plain exported functions are tasks too, named `module.function`: this file gives
 * `hello_world.send_hello_world`. Existing scripts become tasks without changes.
 */
export async function send_hello_world(payload: { name?: string }) {
  const greeting = `hello, ${payload.name ?? 'world'}`;
  console.log(greeting);
  return { greeting };
}
