// Plain data types shared by every layer (on the wire they keep their snake_case names).

export type Role = "system" | "user" | "assistant";

export interface ChatMessage {
  role: Role;
  content: string;
}
