export * from "./contract"
