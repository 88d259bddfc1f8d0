-- | Greetings for the sample app.
module Greeting (greet) where

-- | greet name is a friendly line for name.
greet :: String -> String
greet name = "hello, " ++ name ++ "!"
